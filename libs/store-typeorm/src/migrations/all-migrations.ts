import { InitialSchema1767225600000 } from './1767225600000-initial-schema.migration';

/** Every migration, oldest first. Append new ones here (see the lib README). */
export const ALL_MIGRATIONS = [InitialSchema1767225600000];
