/**
 * How long any call across a deployment, and any database statement, may wait. Between data
 * centres a peer can be silent (a black hole: the connection accepted, nothing answered); without
 * a deadline a caller would wait for ever. Each service's configuration (config.ts) reads them once
 * and sets them at start (useDeadlines); a bad value stops the service with one sentence.
 *
 * The budgets nest: national gives a province PROVINCE_CALL_TIMEOUT_MS, and the gateway gives
 * national NATIONAL_CALL_TIMEOUT_MS, which must leave room for national's own calls to a province
 * and its statements, so that national, not the gateway, is the one to say OUTCOME_PENDING.
 */
export interface Deadlines {
  /** A call to a province: the gateway's fetch of the `province` subgraph, national's internal operations. */
  provinceCallMs: number;
  /** The gateway's fetch of national (a money path includes national's call to a province). */
  nationalCallMs: number;
  /** One database statement (PostgreSQL statement_timeout; the client gives up a little later). */
  statementMs: number;
  /** Opening a database connection. */
  databaseConnectMs: number;
  /** At start, how long a service keeps trying to reach its database before it gives up. */
  databaseStartMs: number;
  /** After SIGTERM, how long requests in flight may still finish (below Kubernetes' grace period). */
  drainMs: number;
  /** One readiness check (its database, national's liveness). */
  readyCheckMs: number;
}

export const DEADLINE_SETTINGS = {
  PROVINCE_CALL_TIMEOUT_MS: { key: 'provinceCallMs', default: 5_000 },
  NATIONAL_CALL_TIMEOUT_MS: { key: 'nationalCallMs', default: 15_000 },
  DB_STATEMENT_TIMEOUT_MS: { key: 'statementMs', default: 30_000 },
  DB_CONNECT_TIMEOUT_MS: { key: 'databaseConnectMs', default: 5_000 },
  DB_START_WAIT_MS: { key: 'databaseStartMs', default: 120_000 },
  DRAIN_TIMEOUT_MS: { key: 'drainMs', default: 20_000 },
  READY_CHECK_TIMEOUT_MS: { key: 'readyCheckMs', default: 2_000 },
} as const satisfies Record<string, { key: keyof Deadlines; default: number }>;

export type DeadlineValues = { [Name in keyof typeof DEADLINE_SETTINGS]?: number };

/** The deadlines of configured values (absent: the defaults); national's must leave room for a province's. */
export function deadlinesFrom(values: DeadlineValues): Deadlines {
  const deadlines = {} as Deadlines;
  for (const [name, setting] of Object.entries(DEADLINE_SETTINGS)) {
    deadlines[setting.key] = values[name as keyof DeadlineValues] ?? setting.default;
  }
  if (deadlines.nationalCallMs <= deadlines.provinceCallMs) {
    throw new Error(
      'NATIONAL_CALL_TIMEOUT_MS must be longer than PROVINCE_CALL_TIMEOUT_MS: national waits for a province within it',
    );
  }
  return deadlines;
}

let current: Deadlines = deadlinesFrom({});

/** Makes `limits` this process's deadlines (a service does it once, at start, from its configuration). */
export function useDeadlines(limits: Deadlines): void {
  current = limits;
}

/** This process's deadlines. */
export function deadlines(): Deadlines {
  return current;
}

/** What the client gives a statement beyond the server's statement_timeout before it gives up on a silent link. */
const CLIENT_MARGIN_MS = 2_000;

/** pg Pool options that bound every wait on the database: connecting, each statement on the server, and its answer. */
export function databaseWaits(limits: Deadlines = deadlines()) {
  return {
    connectionTimeoutMillis: limits.databaseConnectMs,
    statement_timeout: limits.statementMs,
    query_timeout: limits.statementMs + CLIENT_MARGIN_MS,
    keepAlive: true,
  };
}
