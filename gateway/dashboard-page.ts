import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { StaticFile } from '../subgraphs/common/http-server';
import { log } from '../subgraphs/common/log';

/**
 * The national dashboard page (R23) as the gateway serves it: the files `npm run build` made from
 * dashboard/ (scripts/build-dashboard.ts), at GET /dashboard. The page may load only its own
 * script and style sheet and talk only to this gateway: a strict Content-Security-Policy says so to
 * the browser, so no CDN, inline script, telemetry or other origin can creep in.
 */
export const DASHBOARD_DIR = join(__dirname, '..', 'dashboard');

export const DASHBOARD_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
  'licenses.txt': 'text/plain; charset=utf-8',
};

function staticFile(body: Buffer, contentType: string): StaticFile {
  return {
    body,
    gzipped: gzipSync(body, { level: 9 }),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    headers: {
      'content-type': contentType,
      'cache-control': 'no-cache',
      'content-security-policy': DASHBOARD_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    },
  };
}

/** The page's files by path; empty (with a warning) when the page has not been built. */
export function dashboardFiles(dir = DASHBOARD_DIR): Map<string, StaticFile> {
  if (!existsSync(join(dir, 'index.html'))) {
    log.warn(`the dashboard page is not built (no ${join(dir, 'index.html')}): run npm run build`);
    return new Map();
  }
  const files = new Map(Object.entries(TYPES).map(([name, type]) => [`/dashboard/${name}`, staticFile(readFileSync(join(dir, name)), type)]));
  const page = files.get('/dashboard/index.html') as StaticFile;
  files.set('/dashboard', page);
  files.set('/dashboard/', page);
  return files;
}
