// Runs the TypeScript scripts of this repository without a build step:
//   node -r ./scripts/ts-register.js scripts/generate-asyncapi.ts
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
      parser: { syntax: 'typescript' },
      target: 'es2023',
      baseUrl: root,
      paths: { '@onboard/*': ['libs/*/src/index.ts'] },
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
