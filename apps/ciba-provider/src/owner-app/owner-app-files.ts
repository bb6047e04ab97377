import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { WireResponse } from '@onboard/ciba-core';

/** Where `npm run build` puts the owner app (relative to the working directory). */
export const OWNER_APP_DIST = join('dist', 'apps', 'owner-app');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The app's pages may load only its own scripts, styles and workers and talk only to its own
 * origin; client logos may come from https or inline data URIs (the app checks them too).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * Cache policy: content-hashed files under `assets/` never change (a year, immutable); the
 * page, the service worker and the manifest are revalidated on every load so a new build is
 * picked up at once (the worker's scope is `/app/`); icons for a day.
 */
function cacheControl(path: string): string {
  if (path.startsWith('assets/')) return 'public, max-age=31536000, immutable';
  if (path === 'index.html' || path === 'sw.js' || path.endsWith('.webmanifest')) return 'no-cache';
  return 'public, max-age=86400';
}

const notFound = (description: string): WireResponse => ({
  status: 404,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: { error: 'not_found', error_description: description },
});

/**
 * One file of the built owner app, for `GET /app/{path}` (`''` is the page). Paths that leave
 * the directory, hidden files and missing files are 404.
 */
export async function ownerAppFile(root: string, path: string): Promise<WireResponse> {
  const relative = path === '' ? 'index.html' : path;
  const clean = normalize(relative);
  if (clean.startsWith('..') || clean.includes(`${sep}..`) || clean.includes('\0') || /(^|\/)\./.test(clean)) {
    return notFound('no such file');
  }
  const file = join(root, clean);
  try {
    if (!(await stat(file)).isFile()) return notFound('no such file');
  } catch {
    if (relative === 'index.html') return notFound('the owner app is not built: run npm run build');
    return notFound('no such file');
  }
  const headers: Record<string, string> = {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': cacheControl(clean.split(sep).join('/')),
    'x-content-type-options': 'nosniff',
  };
  if (relative === 'index.html') {
    headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
    headers['referrer-policy'] = 'no-referrer';
  }
  if (relative === 'sw.js') headers['service-worker-allowed'] = '/app/';
  return { status: 200, headers, body: await readFile(file) };
}
