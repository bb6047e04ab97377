// Composition root: wired in apps/ciba-provider/src/app.module.ts.
export {};
