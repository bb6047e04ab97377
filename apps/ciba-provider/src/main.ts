import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module, Controller, Get } from '@nestjs/common';
import { hello } from '@onboard/ciba-core';
@Controller() class C { @Get('/x') x() { return { v: hello('hi') }; } }
@Module({ controllers: [C] }) class M {}
export async function boot() { const app = await NestFactory.create(M, { logger: false }); await app.listen(0, '127.0.0.1'); return app; }
if (require.main === module) void boot().then(a => a.getUrl().then(u => console.log(u)));
