import type { JsonRoute } from './http-server';
import type { Queryable } from '../data/request-reads';

/** How long /health waits for the service's database before saying it is out of reach. */
const DATABASE_CHECK_MS = 1000;

/**
 * `GET /health` of a subgraph: 200 "ok" while its own database answers, 503 "database
 * unreachable" while it does not (the HTTP side can outlive the link to the database; national
 * asks a suspect province's /health before it records new work there).
 */
export function healthRoute(db: Queryable, about: Record<string, string> = {}): JsonRoute {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<'silent'>((resolve) => (timer = setTimeout(() => resolve('silent'), DATABASE_CHECK_MS)));
    const answer = await Promise.race([
      db.query('SELECT 1').then(
        () => 'ok' as const,
        () => 'failed' as const,
      ),
      silent,
    ]);
    clearTimeout(timer);
    if (answer === 'ok') return { status: 200, body: { status: 'ok', ...about } };
    return { status: 503, body: { status: 'database unreachable', ...about } };
  };
}
