// Build of the owner app: a Preact PWA served by the provider at /app/, built into
// dist/apps/owner-app/. `vite` (npm run dev:owner-app) serves it with the in-memory
// mock of the owner-device API (mock/), so it runs without a provider.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { mockProvider } from './mock/mock-provider.mts';

const root = fileURLToPath(new URL('.', import.meta.url));
const base = '/app/';

export default defineConfig({
  root,
  base,
  publicDir: 'public',
  // JSX through Vite's own transformer (oxc), pointed at Preact: no extra plugin.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/owner-app', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  server: { host: 'localhost', port: 5173 },
  preview: { host: 'localhost', port: 4173 },
  plugins: [
    mockProvider(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      scope: base,
      // main.tsx registers the worker itself (no inline script: the provider's CSP forbids one).
      injectRegister: false,
      injectManifest: {
        // A classic worker script: registered without `type: 'module'`, which older Safari lacks.
        rollupFormat: 'iife',
        // (the web manifest is added by the plugin itself)
        globPatterns: ['**/*.{js,css,html,svg,png,ico}'],
      },
      pwaAssets: {
        image: 'public/icon.svg',
        preset: 'minimal-2023',
        overrideManifestIcons: true,
      },
      manifest: {
        id: base,
        name: 'Onboard',
        short_name: 'Onboard',
        description: 'Confirm sign-ins, payments and pick-ups with your passkey.',
        lang: 'en',
        start_url: `${base}#/requests`,
        scope: base,
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#0b57d0',
      },
    }),
  ],
});
