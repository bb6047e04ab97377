import { Module } from '@nestjs/common';
import { OwnerAppController, ReceiptsController } from './owner-app.controller';
import { OwnerAppStaticController } from './owner-app-static.controller';

/** The owner app: its API routes (owner-device API) and the built app itself at `/app/`. */
@Module({ controllers: [OwnerAppController, ReceiptsController, OwnerAppStaticController] })
export class OwnerAppModule {}
