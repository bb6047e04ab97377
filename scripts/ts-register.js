// Runs the TypeScript scripts of this repository without a build step:
//   node -r ./scripts/ts-register.js scripts/generate-asyncapi.ts
// and the device simulator (npm run sim), which starts the apps embedded.
// Each .ts file is transpiled with @swc/core (already a dev dependency) to CommonJS, and the
// @onboard/<lib> aliases of tsconfig.json are rewritten to the libraries' sources. ESM-only
// dependencies (jose) load through Node's require(esm), like in the built apps.
'use strict';
const { transformSync } = require('@swc/core');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = require('node:fs').readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    sourceMaps: 'inline',
    jsc: {
      // Nest's decorators and their parameter types, as in the build and jest.config.js
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
      baseUrl: root,
      paths: { '@onboard/*': ['libs/*/src/index.ts'] },
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
