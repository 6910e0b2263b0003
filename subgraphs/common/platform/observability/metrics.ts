import type { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Metric, register } from 'prom-client';
import type { DataSource } from 'typeorm';
import { errorText, log } from '../log';

/**
 * Prometheus metrics of a service, served at GET /metrics (no token: keep the port off the public
 * network). Every service counts its requests; each adds what only it knows (the gateway its
 * subgraph fetches and the provinces' health, national its outbox and recovery, both kinds of
 * subgraph their database pools and the lag of their kept figures). Names begin with `wallet_`;
 * Node's own (`process_*`, `nodejs_*`) come with them. `METRICS=off` turns them off (the
 * benchmark measures what they cost).
 */
export const METRICS_PATH = '/metrics';
let enabled = true;

/** Whether metrics are counted and served (METRICS, set at start by `startMetrics`). */
export const metricsEnabled = (): boolean => enabled;

/** Seconds; requests and fetches take milliseconds to seconds. */
const DURATION_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function startMetrics(labels: { service: string; province?: string }, on: boolean): void {
  enabled = on;
  register.setDefaultLabels(labels);
  if (enabled) collectDefaultMetrics();
}

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: register.contentType, body: await register.metrics() };
}

/**
 * Operation names come from callers: past this many distinct names a service counts the rest as
 * `other`, so that a caller cannot grow the metrics without bound.
 */
const MAX_OPERATION_NAMES = 200;
const operationNames = new Set<string>();

export function boundedOperationName(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (operationNames.has(name)) return name;
  if (operationNames.size >= MAX_OPERATION_NAMES || !/^[_A-Za-z][_0-9A-Za-z]{0,99}$/.test(name)) return 'other';
  operationNames.add(name);
  return name;
}

const requests = new Counter({
  name: 'wallet_requests_total',
  help: 'Requests served: GraphQL operations by operation name, internal operations between services by name.',
  labelNames: ['kind', 'operation'],
});
const requestErrors = new Counter({
  name: 'wallet_request_errors_total',
  help: 'Requests answered with an error, by its extensions.code (a refusal code, OUTCOME_PENDING, INTERNAL_SERVER_ERROR, …); a request with several codes counts once per code.',
  labelNames: ['kind', 'operation', 'code'],
});
const requestDuration = new Histogram({
  name: 'wallet_request_duration_seconds',
  help: 'Time from a request’s arrival to the end of its answer.',
  labelNames: ['kind', 'operation'],
  buckets: DURATION_BUCKETS,
});

export function countRequest(kind: string, operation: string, codes: Iterable<string>, seconds: number): void {
  if (!metricsEnabled()) return;
  requests.inc({ kind, operation });
  for (const code of codes) requestErrors.inc({ kind, operation, code });
  requestDuration.observe({ kind, operation }, seconds);
}

/** A histogram of durations in seconds with the usual buckets. */
export function durationHistogram<Label extends string>(
  name: string,
  help: string,
  labelNames: readonly Label[],
): Histogram<Label> {
  return new Histogram({ name, help, labelNames, buckets: DURATION_BUCKETS });
}

/**
 * Registers metrics declared with `registers: []` once a service says it records them: a module
 * another service imports (the gateway builds national's schema) declares nothing in its /metrics.
 */
export function expose(...metrics: Metric[]): void {
  for (const metric of metrics) {
    if (exposed.has(metric)) continue;
    exposed.add(metric);
    register.registerMetric(metric);
  }
}
const exposed = new WeakSet<Metric>();

const pools = new Map<string, Pool>();

const poolConnections = new Gauge({
  name: 'wallet_db_pool_connections',
  registers: [],
  help: 'Connections of a database pool: in use (checked out by a query or transaction) and idle.',
  labelNames: ['pool', 'state'],
  collect() {
    this.reset();
    for (const [pool, p] of pools) {
      this.set({ pool, state: 'in_use' }, p.totalCount - p.idleCount);
      this.set({ pool, state: 'idle' }, p.idleCount);
    }
  },
});
const poolWaiting = new Gauge({
  name: 'wallet_db_pool_waiting',
  registers: [],
  help: 'Queries and transactions waiting for a connection of a database pool (all are in use).',
  labelNames: ['pool'],
  collect() {
    this.reset();
    for (const [pool, p] of pools) this.set({ pool }, p.waitingCount);
  },
});

/** Reports a pool in the pool gauges: `main` (the service's DataSource) or another by name. */
export function watchPool(name: string, pool: Pool | undefined): void {
  if (!pool) return;
  pools.set(name, pool);
  expose(poolConnections, poolWaiting);
}

/** The pg pool under a TypeORM DataSource (its PostgreSQL driver's `master`). */
export function poolOf(db: DataSource): Pool | undefined {
  return (db.driver as unknown as { master?: Pool }).master;
}

/** A scrape never waits long for the database: past this, the figures read from it are left out. */
const SCRAPE_QUERY_TIMEOUT_MS = 2000;

/**
 * Reads figures from the database at scrape time; leaves them out (and logs why) when the
 * database does not answer in time, so that /metrics always answers.
 */
export async function readForScrape<T>(what: string, read: () => Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), SCRAPE_QUERY_TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([read(), timeout]);
    if (result === undefined) log.warn({ metric: what }, 'metrics: the database did not answer in time');
    return result;
  } catch (error) {
    log.warn({ metric: what, error: errorText(error) }, 'metrics: the database could not be read');
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** A read for several gauges of one scrape: they share one query (the read runs again at the next scrape). */
export function onePerScrape<T>(what: string, read: () => Promise<T>): () => Promise<T | undefined> {
  let reading: Promise<T | undefined> | undefined;
  return () => (reading ??= readForScrape(what, read).finally(() => setImmediate(() => (reading = undefined))));
}

/** Kept figure rows of database sessions that have ended, waiting to be folded: how many, and the age of the oldest. */
export interface UnfoldedRows {
  table: string;
  rows: number;
  oldestSeconds: number;
}

let unfolded: (() => Promise<UnfoldedRows[]>) | undefined;
const unfoldedNow = onePerScrape('kept figures', async () => (unfolded ? unfolded() : []));

const foldLag = new Gauge({
  name: 'wallet_kept_figures_fold_lag_seconds',
  registers: [],
  help: 'Age of the oldest kept-figure row waiting to be folded (its database session has ended; rows are folded every minute); 0 when none waits.',
  labelNames: ['table'],
  async collect() {
    this.reset();
    for (const t of (await unfoldedNow()) ?? []) this.set({ table: t.table }, t.oldestSeconds);
  },
});
const unfoldedRows = new Gauge({
  name: 'wallet_kept_figures_unfolded_rows',
  registers: [],
  help: 'Kept-figure rows waiting to be folded (their database session has ended).',
  labelNames: ['table'],
  async collect() {
    this.reset();
    for (const t of (await unfoldedNow()) ?? []) this.set({ table: t.table }, t.rows);
  },
});

/** Reports the fold lag of a service's kept figures (province: figure_row; national: the R23 figure tables). */
export function watchFoldLag(read: () => Promise<UnfoldedRows[]>): void {
  unfolded = read;
  expose(foldLag, unfoldedRows);
}
