import { Pool } from 'undici';

/**
 * The load generator: a fixed number of workers, each running one operation after another on
 * kept-alive connections until the deadline, then stopping by itself. An operation is whatever
 * one caller does (one GraphQL request, or two in a row for the direct read); it throws to count
 * as an error. Only operations that succeed count towards throughput and latency.
 */
export interface LoadStats {
  concurrency: number;
  seconds: number;
  operations: number;
  errors: number;
  /** Successful operations per second. */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  firstErrors: string[];
}

/** One bounded run: the latency of every successful operation, and the failures. */
export interface LoadRun {
  concurrency: number;
  seconds: number;
  latenciesMs: number[];
  errors: number;
  firstErrors: string[];
}

export type Operation = (worker: number) => Promise<void>;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function runLoad(options: {
  concurrency: number;
  seconds: number;
  operation: Operation;
  /** Stop after starting this many operations, if the deadline has not come first (a warm-up of fixed work). */
  operations?: number;
}): Promise<LoadRun> {
  const latenciesMs: number[] = [];
  const firstErrors: string[] = [];
  let errors = 0;
  let begunOperations = 0;
  const limit = options.operations ?? Number.POSITIVE_INFINITY;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const worker = async (index: number) => {
    while (performance.now() < deadline && begunOperations++ < limit) {
      const begun = performance.now();
      try {
        await options.operation(index);
        latenciesMs.push(performance.now() - begun);
      } catch (error) {
        errors += 1;
        if (firstErrors.length < 5) firstErrors.push((error as Error).message.slice(0, 300));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)));
  return {
    concurrency: options.concurrency,
    seconds: (performance.now() - started) / 1000,
    latenciesMs,
    errors,
    firstErrors,
  };
}

/** Throughput and percentiles over one or more runs of the same scenario (interleaved rounds). */
export function summarize(runs: LoadRun[]): LoadStats {
  const sorted = Float64Array.from(runs.flatMap((r) => r.latenciesMs)).sort();
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  return {
    concurrency: runs[0]?.concurrency ?? 0,
    seconds,
    operations: sorted.length,
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    throughput: seconds > 0 ? sorted.length / seconds : 0,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    firstErrors: runs.flatMap((r) => r.firstErrors).slice(0, 5),
  };
}

/** Load goes to this machine only. */
function assertLoopback(url: URL): void {
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '[::1]') {
    throw new Error(`the benchmark only sends load to this machine, not to ${url.hostname}`);
  }
}

export interface GraphQLResult<Data> {
  data?: Data | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** A GraphQL endpoint over a pool of kept-alive HTTP/1.1 connections. */
export class GraphQLEndpoint {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(
    readonly url: string,
    connections: number,
  ) {
    const parsed = new URL(url);
    assertLoopback(parsed);
    this.path = parsed.pathname + parsed.search;
    this.pool = new Pool(parsed.origin, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
  }

  /** Sends an already serialised request; throws unless HTTP 200 with data and no errors. */
  async send<Data>(body: string, headers: Record<string, string> = {}): Promise<Data> {
    const response = await this.pool.request({
      path: this.path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
    const result = JSON.parse(text) as GraphQLResult<Data>;
    if (result.errors?.length || !result.data) {
      throw new Error(`GraphQL errors: ${JSON.stringify(result.errors ?? 'no data').slice(0, 300)}`);
    }
    return result.data;
  }

  request<Data>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<Data> {
    return this.send<Data>(JSON.stringify({ query, variables }), headers);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
