// Public API of @onboard/config: the one place the environment is read.
export * from './config';
export * from './key-encryption-config';
export * from './bridge-config';
