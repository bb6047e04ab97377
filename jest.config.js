// Jest runs TypeScript through @swc/jest. Several dependencies ship ESM only
// (@nestjs/* 12, jose 6, openid-client 6, oidc-provider 9, aedes 1): Jest's own
// module loader cannot require() ESM, so those packages are transformed to
// CommonJS by swc as well (see docs/development.md).
const esmOnly = [
  'typebox',
  '@nestjs',
  'jose',
  'openid-client',
  'oauth4webapi',
  'oidc-provider',
  'aedes',
  'aedes-[a-z-]+',
  'mqemitter',
  'file-type',
  'uint8array-extras',
  'strtok3',
  'token-types',
  '@tokenizer',
  'load-esm',
  'quick-lru',
  'nanoid',
  'typebox',
  // @fastify/swagger-ui serves its assets with @fastify/static, whose dependencies are ESM.
  '@fastify',
  'content-disposition',
  'glob',
  'lru-cache',
  'minimatch',
  'path-scurry',
];
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'commonjs' },
  },
];
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/apps/', '<rootDir>/libs/', '<rootDir>/test/', '<rootDir>/device-sim/'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper: {
    '^@onboard/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    // A library's testing entry point (contract suites, test databases): for specs only.
    '^@onboard/([a-z-]+)/testing$': '<rootDir>/libs/$1/src/testing/index.ts',
    // Development TLS certificates (npm run dev-cert).
    '^@onboard/platform/tls$': '<rootDir>/libs/platform/src/tls/index.ts',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testTimeout: 30000,
};
