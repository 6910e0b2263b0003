import { logWorkFailure } from './database-shutdown';
import { Client } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { errorText, log } from '../log';

/**
 * Background work when several copies of a service share one database: a job that must run in one
 * copy at a time takes a PostgreSQL advisory lock named for the job, never an assumption that
 * there is one process. Two forms:
 * - a long job (a recovery round calls provinces over the network) holds a session lock on a
 *   connection of its own, kept open for the process's life: no transaction stays open while it
 *   waits on a province, and a copy that dies loses its connection and so its lock at once;
 * - a short job of SQL alone (folding figure rows, pruning events) takes a transaction lock and
 *   runs in that transaction.
 * A copy that finds the lock taken skips its turn: another copy is doing the work.
 */

/** The first key of every job lock: apart from the one-key locks the money paths take (e.g. per donor). */
const JOB_LOCK_CLASS = 2026;
const LOCK = `pg_try_advisory_lock(${JOB_LOCK_CLASS}, hashtext($1))`;
const UNLOCK = `pg_advisory_unlock(${JOB_LOCK_CLASS}, hashtext($1))`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ExclusiveJobs {
  private connection?: Promise<Client>;
  /** Session locks are re-entrant in their session: the jobs running in this process are kept out here. */
  private readonly running = new Set<string>();
  private closed = false;

  constructor(private readonly databaseUrl: string) {}

  /**
   * Runs `work` if no copy runs `job` now, and answers what it answered; undefined when another
   * copy (or this one) has it. With `waitMs`, waits that long for its turn instead (an operator's
   * "run it now"), then fails.
   */
  async runAlone<T>(job: string, work: () => Promise<T>, options: { waitMs?: number } = {}): Promise<T | undefined> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      const client = this.running.has(job) ? undefined : await this.lock(job);
      if (client) {
        try {
          return await work();
        } finally {
          await client.query(`SELECT ${UNLOCK}`, [job]).catch(() => this.drop(client)); // a lost connection has lost its lock too
          this.running.delete(job);
        }
      }
      if (Date.now() >= deadline) {
        if (options.waitMs === undefined) return undefined;
        throw new Error(`${job}: another copy of this service has been running it for ${options.waitMs} ms`);
      }
      await sleep(100);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    await connection?.then((client) => client.end()).catch(() => undefined);
  }

  /** The connection holding the lock of `job`, or undefined when another session has it. */
  private async lock(job: string): Promise<Client | undefined> {
    if (this.closed) return undefined;
    this.running.add(job);
    try {
      const client = await this.session();
      const [{ locked }] = (await client.query(`SELECT ${LOCK} AS locked`, [job])).rows as { locked: boolean }[];
      if (locked) return client;
    } catch (error) {
      log.warn(
        { job, error: errorText(error) },
        'job lock: the database did not answer; the job waits for its next turn',
      );
      this.connection = undefined;
    }
    this.running.delete(job);
    return undefined;
  }

  private session(): Promise<Client> {
    this.connection ??= (async () => {
      const client = new Client({
        connectionString: this.databaseUrl,
        statement_timeout: 10_000,
        application_name: 'job locks',
      });
      client.on('error', () => this.drop(client)); // the next job opens another
      await client.connect();
      return client;
    })();
    const opening = this.connection;
    opening.catch(() => {
      if (this.connection === opening) this.connection = undefined;
    });
    return opening;
  }

  private drop(client: Client): void {
    void this.connection?.then(
      (current) => {
        if (current === client) this.connection = undefined;
      },
      () => undefined,
    );
    client.end().catch(() => undefined);
  }
}

/** Runs a short SQL job in a transaction that holds the job's lock; skips it when another copy holds it. */
export async function inTransactionAlone(
  db: DataSource,
  job: string,
  work: (tx: EntityManager) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [{ locked }] = (await tx.query(
      `SELECT pg_try_advisory_xact_lock(${JOB_LOCK_CLASS}, hashtext($1)) AS locked`,
      [job],
    )) as { locked: boolean }[];
    if (locked) await work(tx);
    return locked;
  });
}

/**
 * Runs `work` while holding the job's lock in a session of the pool, waiting for it (migrations at
 * start: the copies of a service starting together migrate one after the other).
 */
export async function whileHolding<T>(db: DataSource, job: string, work: () => Promise<T>): Promise<T> {
  const runner = db.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(${JOB_LOCK_CLASS}, hashtext($1))`, [job]);
    try {
      return await work();
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(${JOB_LOCK_CLASS}, hashtext($1))`, [job]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Every `intervalMs`, a round of `job` in whichever copy takes its lock (one round at a time in
 * all copies together); `sqlOnly` jobs run in the lock's transaction. A long job's `due`, when
 * given, is asked first (one read, in no lock): a round with nothing to do takes no lock and runs
 * nothing more, so an idle service costs its database one statement a round. Returns the stop function.
 */
export function everyInOneCopy(
  job: string,
  intervalMs: number,
  round:
    | { jobs: ExclusiveJobs; work: () => Promise<unknown>; due?: () => Promise<boolean> }
    | { db: DataSource; sqlOnly: (tx: EntityManager) => Promise<void> },
): () => void {
  const run =
    'jobs' in round
      ? async () => {
          // A database that does not answer the question: the round tries, and says so, as without one.
          if (round.due && !(await round.due().catch(() => true))) return;
          await round.jobs.runAlone(job, round.work);
        }
      : () => inTransactionAlone(round.db, job, round.sqlOnly);
  const timer = setInterval(
    () => void run().catch((error: unknown) => logWorkFailure(error, `${job} failed`)),
    intervalMs,
  );
  timer.unref();
  return () => clearInterval(timer);
}
