import { createHash, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { type Caller, Role } from '../auth/caller';
import { isRefusal, OutcomePending, Refusal, RefusalCode } from '../../domain/errors';
import { errorText, log } from '../log';

/**
 * R21: one final answer per idempotency key. A key belongs to the party that sends it (the acting
 * member, or the staff's province), so another party's key neither conflicts with nor reveals
 * anything about yours. The first answer, a result or a refusal, is kept with the key and given to
 * every later copy of the same request; a different request under the same key is refused. Copies
 * that arrive while the first is still running wait for its answer. R30: when the outcome cannot be
 * told yet, the answer is OUTCOME_PENDING, which is not an answer: the same key later gets the final one.
 */

/** A result that can be stored and given back unchanged: money travels as yuan strings. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,100}$/;

export function requireIdempotencyKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new Refusal(
      RefusalCode.INVALID_ARGUMENT,
      'The idempotency key must be 8 to 100 letters, digits or the signs _ . : - (a UUID is a good key).',
    );
  }
}

/** Whose keys these are: the acting member, or the staff's province (R21). */
export function partyOf(caller: Caller | undefined): string {
  if (!caller)
    throw new Refusal(RefusalCode.FORBIDDEN, 'Sign in: an idempotency key belongs to the party that sends it.');
  if (caller.role === Role.MEMBER) return `member:${caller.memberId}`;
  if ('province' in caller) return `province:${caller.province}`;
  return `${caller.role.toLowerCase()}:${caller.subject}`;
}

function stableJson(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function requestHash(request: unknown): string {
  return createHash('sha256').update(stableJson(request)).digest('hex');
}

/** One request under a key: who sent it, which operation, and its body (the key itself left out). */
export interface KeyClaim {
  party: string;
  operation: string;
  key: string;
  request: object;
}

const slotOf = (claim: KeyClaim) => `${claim.party}|${claim.key}`;
const hashOf = (claim: KeyClaim) =>
  requestHash({ operation: claim.operation, request: { ...claim.request, idempotencyKey: undefined } });

/** The operation id that stands for a claim wherever an operation needs a stable, party-scoped id. */
export const operationIdOf = (claim: KeyClaim) => `${claim.operation}:${slotOf(claim)}`;

interface StoredRefusal {
  code: RefusalCode;
  message: string;
  extensions?: Record<string, string | number | boolean>;
}

interface KeyRow {
  request_hash: string;
  operation_id: string | null;
  response: Json | null;
  refusal: StoredRefusal | null;
}

const conflict = () =>
  new Refusal(
    RefusalCode.IDEMPOTENCY_CONFLICT,
    'This idempotency key was already used for a different request; use a new key for a new request.',
  );

function storedRefusal(refusal: Refusal): string {
  const { code: _code, ...extensions } = refusal.extensions as Record<string, string | number | boolean>;
  return JSON.stringify({ code: refusal.code, message: refusal.message, extensions } satisfies StoredRefusal);
}

const refusalOf = (stored: StoredRefusal) => new Refusal(stored.code, stored.message, stored.extensions);

async function readKey(db: DataSource | EntityManager, slot: string): Promise<KeyRow> {
  const [row] = (await db.query(
    `SELECT request_hash, operation_id, response, refusal FROM idempotency_record WHERE key = $1`,
    [slot],
  )) as KeyRow[];
  return row;
}

/** Keeps a refusal as the final answer of the key that asked for `operationId` (e.g. when recovery gets it). */
export async function recordRefusal(
  db: DataSource | EntityManager,
  operationId: string,
  refusal: Refusal,
): Promise<void> {
  await db.query(`UPDATE idempotency_record SET refusal = $2 WHERE operation_id = $1 AND refusal IS NULL`, [
    operationId,
    storedRefusal(refusal),
  ]);
}

/**
 * R21 for an operation done in one transaction of one database (a province's contributions and own
 * spending). The key is claimed in the operation's own transaction, so a concurrent copy waits on
 * it; a refusal undoes the work (to a savepoint) but keeps the refusal with the key.
 */
export async function onceInTransaction<R extends Json>(
  db: DataSource,
  claim: KeyClaim,
  work: (tx: EntityManager) => Promise<R>,
): Promise<R> {
  requireIdempotencyKey(claim.key);
  const slot = slotOf(claim);
  const hash = hashOf(claim);
  const answer = await db.transaction(async (tx): Promise<{ result: R } | { refusal: Refusal }> => {
    const claimed: unknown[] = await tx.query(
      `INSERT INTO idempotency_record (key, request_hash) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`,
      [slot, hash],
    );
    if (claimed.length === 0) {
      const first = await readKey(tx, slot);
      if (first.request_hash !== hash) return { refusal: conflict() };
      return first.refusal ? { refusal: refusalOf(first.refusal) } : { result: first.response as R };
    }
    await tx.query('SAVEPOINT keyed_work');
    try {
      const result = await work(tx);
      await tx.query(`UPDATE idempotency_record SET response = $2 WHERE key = $1`, [slot, JSON.stringify(result)]);
      return { result };
    } catch (error) {
      if (!isRefusal(error)) throw error;
      await tx.query('ROLLBACK TO SAVEPOINT keyed_work');
      await tx.query(`UPDATE idempotency_record SET refusal = $2 WHERE key = $1`, [slot, storedRefusal(error)]);
      return { refusal: error };
    }
  });
  if ('refusal' in answer) throw answer.refusal;
  return answer.result;
}

/**
 * A money operation that spans databases (national and provinces), run under one key. `record`
 * runs in the transaction that claims the key: the checks, and the operation written under
 * `operationId`; it refuses by throwing a Refusal (nothing it wrote stays), or by returning one
 * (R28: what it wrote stays, e.g. a suspected-fraud record). `complete` does the rest once that
 * transaction has committed (the provinces' part). `resume` drives an operation recorded earlier
 * (by a copy, or before a crash) to its answer. Any step may end in a refusal (kept as the key's
 * answer) or in OutcomePending (R30).
 */
export interface KeyedOperation<Recorded, R> {
  record(tx: EntityManager, operationId: string): Promise<Recorded | KeptRefusal>;
  complete(recorded: Recorded): Promise<R>;
  resume(operationId: string): Promise<R>;
}

/** A refusal that keeps what the operation wrote (R28: one suspected-fraud record per attempt). */
export class KeptRefusal {
  constructor(readonly refusal: Refusal) {}
}

/** Requests of this process still running, by key: copies share the first one's answer. */
const running = new Map<string, { hash: string; answer: Promise<unknown> }>();

export async function answerOnce<Recorded, R>(
  db: DataSource,
  claim: KeyClaim,
  operation: KeyedOperation<Recorded, R>,
): Promise<R> {
  requireIdempotencyKey(claim.key);
  const slot = slotOf(claim);
  const hash = hashOf(claim);
  const first = running.get(slot);
  if (first) {
    if (first.hash !== hash) throw conflict();
    return first.answer as Promise<R>;
  }
  const answer = answerByKey(db, slot, hash, operation);
  running.set(slot, { hash, answer });
  try {
    return await answer;
  } finally {
    running.delete(slot);
  }
}

/**
 * The key is claimed in the same transaction that records the operation, so a key is either unused,
 * or stands for a recorded operation or a refusal; a copy from another process waits on the key's
 * row until that transaction ends, then reads what it stands for.
 */
async function answerByKey<Recorded, R>(
  db: DataSource,
  slot: string,
  hash: string,
  operation: KeyedOperation<Recorded, R>,
): Promise<R> {
  const claimed = await settle(db, slot, () =>
    db.transaction(async (tx) => {
      const [row] = (await tx.query(
        `INSERT INTO idempotency_record (key, request_hash, operation_id) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING RETURNING operation_id`,
        [slot, hash, randomUUID()],
      )) as { operation_id: string }[];
      if (!row) return undefined;
      await tx.query('SAVEPOINT record');
      let recorded: Recorded | KeptRefusal;
      try {
        recorded = await operation.record(tx, row.operation_id);
      } catch (error) {
        if (!isRefusal(error)) throw error;
        await tx.query('ROLLBACK TO SAVEPOINT record');
        recorded = new KeptRefusal(error);
      }
      if (recorded instanceof KeptRefusal) {
        await tx.query(`UPDATE idempotency_record SET refusal = $2 WHERE key = $1`, [
          slot,
          storedRefusal(recorded.refusal),
        ]);
      }
      return { recorded };
    }),
  );
  if (claimed === undefined) {
    const first = await readKey(db, slot);
    if (first.request_hash !== hash) throw conflict();
    if (first.refusal) throw refusalOf(first.refusal);
    return settle(db, slot, () => operation.resume(first.operation_id as string));
  }
  if (claimed.recorded instanceof KeptRefusal) throw claimed.recorded.refusal;
  const recorded = claimed.recorded;
  return settle(db, slot, () => operation.complete(recorded));
}

/** Runs a step of a keyed operation: a refusal becomes the key's final answer; anything unexpected is in doubt (R30). */
async function settle<T>(db: DataSource, slot: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof OutcomePending) throw error;
    if (isRefusal(error)) {
      await db.query(`UPDATE idempotency_record SET refusal = $2 WHERE key = $1 AND refusal IS NULL`, [
        slot,
        storedRefusal(error),
      ]);
      const [kept] = (await db.query(`SELECT refusal FROM idempotency_record WHERE key = $1`, [slot])) as {
        refusal: StoredRefusal;
      }[];
      throw refusalOf(kept.refusal);
    }
    log.error({ error: errorText(error) }, 'keyed operation failed');
    throw new OutcomePending('The platform could not finish this request.');
  }
}
