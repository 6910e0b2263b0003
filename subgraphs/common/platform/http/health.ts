import { deadlines } from './deadlines';
import { Client } from 'pg';
import type { ServiceTrust } from '../auth/trust-config';
import type { JsonReply, JsonRoute } from './http-server';

/**
 * Split probes for an orchestrator (Kubernetes), answered without a token:
 * - `GET /health/live`: the process runs and answers HTTP; no dependency is asked, so a database
 *   outage never makes the orchestrator kill every copy of a service.
 * - `GET /health/ready`: each check (its database answers a query, its keys are loaded, …) passes
 *   within READY_CHECK_TIMEOUT_MS; 200 when all do, 503 naming the ones that did not. A service
 *   that is shutting down is not ready.
 */
export const LIVE_PATH = '/health/live';
export const READY_PATH = '/health/ready';

/** The bound on each readiness check (a black-holed database must not hold the probe). */

/** One readiness check: resolves when the dependency is usable, throws (with a reason) when it is not. */
export type ReadinessCheck = () => Promise<void>;

function withinBound(check: ReadinessCheck, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([check(), late]).finally(() => clearTimeout(timer));
}

export async function readiness(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = deadlines().readyCheckMs,
): Promise<JsonReply> {
  const names = Object.keys(checks);
  const outcomes = await Promise.allSettled(names.map((name) => withinBound(checks[name], timeoutMs)));
  const results = Object.fromEntries(
    names.map((name, i) => {
      const outcome = outcomes[i];
      return [name, outcome.status === 'fulfilled' ? 'ok' : (outcome.reason as Error).message];
    }),
  );
  const ready = outcomes.every((o) => o.status === 'fulfilled');
  return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', checks: results } };
}

/** The two probe routes, for serveHttp's `routes` (which answers readiness 503 itself once it is shutting down). */
export function healthRoutes(checks: Record<string, ReadinessCheck>): Record<string, JsonRoute> {
  return {
    [`GET ${LIVE_PATH}`]: async () => ({ status: 200, body: { status: 'live' } }),
    [`GET ${READY_PATH}`]: async () => readiness(checks),
  };
}

export const STOPPING: JsonReply = { status: 503, body: { status: 'stopping', checks: {} } };

/**
 * The database answers a query: on a connection of its own (not the service's pool), so that a
 * probe never waits behind requests for a pooled connection and a dead database is seen at once.
 */
export function databaseAnswers(url: string, timeoutMs = deadlines().readyCheckMs): ReadinessCheck {
  return async () => {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
    client.on('error', () => undefined); // a connection lost after the answer: nothing waits on it
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  };
}

/** The identity provider's keys are loaded (tokens can be checked) and, where the service calls others, its own key. */
export function keysLoaded(trust: ServiceTrust, needsCredential: boolean): ReadinessCheck {
  return async () => {
    if (trust.policy.keys.size === 0) throw new Error("the identity provider's JWKS holds no key");
    if (needsCredential && !trust.credential) throw new Error('no service key of its own');
  };
}
