/**
 * How long any call across a deployment, and any database statement, may wait. Between data
 * centres a peer can be silent (a black hole: the connection accepted, nothing answered); without
 * a deadline a caller would wait for ever. Read once from the environment; a bad value stops the
 * service at start with one sentence.
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
}

export const DEADLINE_SETTINGS = {
  PROVINCE_CALL_TIMEOUT_MS: { key: 'provinceCallMs', default: 5_000 },
  NATIONAL_CALL_TIMEOUT_MS: { key: 'nationalCallMs', default: 15_000 },
  DB_STATEMENT_TIMEOUT_MS: { key: 'statementMs', default: 30_000 },
  DB_CONNECT_TIMEOUT_MS: { key: 'databaseConnectMs', default: 5_000 },
} as const satisfies Record<string, { key: keyof Deadlines; default: number }>;

export function deadlinesFrom(env: NodeJS.ProcessEnv): Deadlines {
  const deadlines = {} as Deadlines;
  for (const [name, setting] of Object.entries(DEADLINE_SETTINGS)) {
    const text = env[name];
    const value = text === undefined || text === '' ? setting.default : Number(text);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number of milliseconds, not "${text}"`);
    deadlines[setting.key] = value;
  }
  if (deadlines.nationalCallMs <= deadlines.provinceCallMs) {
    throw new Error('NATIONAL_CALL_TIMEOUT_MS must be longer than PROVINCE_CALL_TIMEOUT_MS: national waits for a province within it');
  }
  return deadlines;
}

let fromEnvironment: Deadlines | undefined;

/** This process's deadlines (from its environment, read once). */
export function deadlines(): Deadlines {
  fromEnvironment ??= deadlinesFrom(process.env);
  return fromEnvironment;
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
