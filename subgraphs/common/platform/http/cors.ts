import type { IncomingMessage } from 'node:http';

/**
 * Browsers on other origins (a provincial portal's web application) may call the graph when their
 * origin is on the allow-list (CORS_ORIGINS): exact origins, such as https://portal.example.cn.
 * Tokens are bearer tokens, never cookies, so no credentials are allowed; the Authorization header
 * makes every such request preflighted. A preflight is answered before authentication, and tells
 * nothing but whether the origin may call: other origins get 403 and no CORS header at all.
 */
export interface CorsPolicy {
  origins: ReadonlySet<string>;
}

/** The request headers a caller may send: the token, JSON, and the headers Apollo's CSRF prevention knows. */
export const ALLOWED_HEADERS = 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** Parses CORS_ORIGINS ("https://a.example,http://localhost:5173"); anything but an exact origin stops the service. */
export function corsPolicyFrom(text: string | undefined): CorsPolicy {
  const origins = new Set<string>();
  for (const entry of (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    if (!origin || origin === 'null' || origin.includes('*') || origin !== entry.replace(/\/$/, '')) {
      throw new Error(`has "${entry}", which is not an origin (scheme://host[:port], no path, no wildcard)`);
    }
    origins.add(origin);
  }
  return { origins };
}

function allowedOrigin(policy: CorsPolicy, request: IncomingMessage): string | undefined {
  const origin = request.headers.origin;
  return typeof origin === 'string' && policy.origins.has(origin) ? origin : undefined;
}

/** The headers that let an allowed origin read the answer (none for any other). */
export function corsHeaders(policy: CorsPolicy, request: IncomingMessage): Record<string, string> {
  const origin = allowedOrigin(policy, request);
  return origin
    ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'retry-after', vary: 'origin' }
    : {};
}

/** The answer to a preflight (OPTIONS): 204 with what may be sent, for an allowed origin; 403 and nothing else otherwise. */
export function preflight(
  policy: CorsPolicy,
  request: IncomingMessage,
): { status: number; headers: Record<string, string> } {
  const origin = allowedOrigin(policy, request);
  if (!origin) return { status: 403, headers: { vary: 'origin' } };
  return {
    status: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS,
      vary: 'origin',
    },
  };
}
