import { defineConfig } from 'tsdown';

// The npm package @onboard/device-client: one ES module with its declarations in dist/. The
// protocol contract (@onboard/mqtt-contract) is bundled in, so the package depends on nothing of
// the monorepo; its runtime dependencies (package.json) stay external. Only the contract is
// bundled: an import of any other library of the monorepo would stay an import in dist/, which
// test/device-client/package.e2e-spec.ts refuses.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20.19',
  outDir: 'dist',
  tsconfig: 'tsconfig.package.json',
  dts: true,
  clean: true,
  deps: { alwaysBundle: ['@onboard/mqtt-contract'] },
});
