import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Refusal, RefusalCode } from './errors';

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

/**
 * R21 within one database: runs `work` once per key, inside the caller's transaction. A replay
 * with the same request gets the first result; a different request under the same key is
 * refused. A concurrent replay waits on the key's row until the first commits.
 */
export async function onceByKey<R extends Json>(
  db: EntityManager,
  scope: string,
  key: string,
  request: unknown,
  work: () => Promise<R>,
): Promise<R> {
  requireIdempotencyKey(key);
  const scopedKey = `${scope}:${key}`;
  const hash = requestHash(request);
  const claimed: unknown[] = await db.query(
    `INSERT INTO idempotency_record (key, request_hash) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`,
    [scopedKey, hash],
  );
  if (claimed.length === 0) {
    const [first] = (await db.query(`SELECT request_hash, response FROM idempotency_record WHERE key = $1`, [
      scopedKey,
    ])) as { request_hash: string; response: R }[];
    if (first.request_hash !== hash) {
      throw new Refusal(
        RefusalCode.IDEMPOTENCY_CONFLICT,
        'This idempotency key was already used for a different request; use a new key for a new request.',
      );
    }
    return first.response;
  }
  const result = await work();
  await db.query(`UPDATE idempotency_record SET response = $2 WHERE key = $1`, [scopedKey, JSON.stringify(result)]);
  return result;
}

/** R21 for operations that keep their own key column: a replay with another body is refused. */
export function sameRequestOrRefuse<T extends { requestHash: string }>(first: T, hash: string): T {
  if (first.requestHash !== hash) {
    throw new Refusal(
      RefusalCode.IDEMPOTENCY_CONFLICT,
      'This idempotency key was already used for a different request; use a new key for a new request.',
    );
  }
  return first;
}
