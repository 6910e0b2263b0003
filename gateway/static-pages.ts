import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { StaticFile } from '../subgraphs/common/platform/http/http-server';
import { log } from '../subgraphs/common/platform/log';

/**
 * The pages the gateway serves, as `npm run build` made them (scripts/build-pages.ts): the national
 * dashboard (R23) at GET /dashboard, and outside production the GraphQL IDE at GET /graphql. A page
 * may load only its own files and talk only to this gateway: a strict Content-Security-Policy says
 * so to the browser, so no CDN, inline script, telemetry or other origin can creep in.
 */
const DIST = join(__dirname, '..');

const csp = (extra: string[] = []) =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    ...extra,
  ].join('; ');

export const DASHBOARD_CSP = csp();
/** GraphiQL's fonts are inlined in its style sheet (data: URLs). */
export const IDE_CSP = csp(['font-src data:']);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

function staticFile(body: Buffer, contentType: string, policy: string): StaticFile {
  return {
    body,
    gzipped: gzipSync(body, { level: 9 }),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    headers: {
      'content-type': contentType,
      'cache-control': 'no-cache',
      'content-security-policy': policy,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    },
  };
}

export interface BuiltPage {
  /** Its files by path (`/<page>/<file>`); empty (with a warning) when the page has not been built. */
  files: Map<string, StaticFile>;
  index?: StaticFile;
}

/** A built page's files, each served with the page's CSP. */
export function builtPage(name: string, files: string[], policy: string, dir = join(DIST, name)): BuiltPage {
  if (!existsSync(join(dir, 'index.html'))) {
    log.warn(`the ${name} page is not built (no ${join(dir, 'index.html')}): run npm run build`);
    return { files: new Map() };
  }
  const served = new Map(
    files.map((file) => [
      `/${name}/${file}`,
      staticFile(readFileSync(join(dir, file)), TYPES[file.slice(file.lastIndexOf('.'))], policy),
    ]),
  );
  return { files: served, index: served.get(`/${name}/index.html`) };
}

/** The dashboard at /dashboard (and its files under it). */
export function dashboardFiles(dir?: string): Map<string, StaticFile> {
  const page = builtPage(
    'dashboard',
    ['index.html', 'dashboard.js', 'dashboard.css', 'favicon.svg', 'licenses.txt'],
    DASHBOARD_CSP,
    dir,
  );
  if (page.index) for (const path of ['/dashboard', '/dashboard/']) page.files.set(path, page.index);
  return page.files;
}

/** The GraphQL IDE: its files under /ide, its page for a browser's GET /graphql (see serveHttp's `landingPage`). */
export function ideFiles(dir?: string): BuiltPage {
  return builtPage('ide', ['index.html', 'ide.js', 'ide.css', 'favicon.svg', 'licenses.txt'], IDE_CSP, dir);
}
