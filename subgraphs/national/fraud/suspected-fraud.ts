import type { EntityManager } from 'typeorm';
import type { Queryable } from '../../common/platform/data/request-reads';
import { parseTimeKey } from '../../common/platform/data/keyset';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { KeptRefusal } from '../../common/platform/data/idempotency';
import { type Fen, fenFromDb } from '../../common/domain/money';
import { provinceOfMemberId } from '../../common/domain/routing-keys';

/**
 * R28: the beneficiary pays with their own credential (e-code or face). A payment presented with
 * another person's credential is refused, and, unlike every other refusal, leaves a record: a
 * suspected fraud (骗保) for the beneficiary's province to review. One record per attempt: it bears
 * the id of the payment's operation, and a repeat under the same idempotency key is the same attempt.
 */
export interface Credential {
  method: string;
  holderId: string;
}

export interface SuspectedFraudRecord {
  id: string;
  beneficiaryId: string;
  holderId: string;
  province: string;
  method: string;
  amount: Fen;
  details: Record<string, string>;
  createdAt: Date;
}

/**
 * R28, in the transaction of the payment's key: nothing when the credential is the beneficiary's
 * own; otherwise the suspected fraud is recorded and the refusal returned, to be kept with it.
 */
export async function refuseForeignCredential(
  tx: EntityManager,
  operationId: string,
  beneficiaryId: string,
  credential: Credential,
  amount: Fen,
  details: Record<string, string>,
  now: Date,
): Promise<KeptRefusal | undefined> {
  if (credential.holderId === beneficiaryId) return undefined;
  await tx.query(
    `INSERT INTO suspected_fraud (id, beneficiary_id, holder_id, province, method, amount, details, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
    [
      operationId,
      beneficiaryId,
      credential.holderId.slice(0, 40),
      provinceOfMemberId(beneficiaryId) ?? '??',
      credential.method,
      String(amount),
      JSON.stringify(details),
      now,
    ],
  );
  return new KeptRefusal(
    new Refusal(
      RefusalCode.CREDENTIAL_NOT_OWN,
      "The credential presented is not the beneficiary's own; payment refused and recorded for review as a suspected fraud.",
    ),
  );
}

export async function suspectedFraudsIn(
  db: Queryable,
  province: string,
  limit: number,
  after?: string,
): Promise<SuspectedFraudRecord[]> {
  const rows: (Omit<SuspectedFraudRecord, 'amount'> & { amount: string })[] = await db.query(
    `SELECT id, beneficiary_id AS "beneficiaryId", holder_id AS "holderId", province, method, amount, details, created_at AS "createdAt"
     FROM suspected_fraud WHERE province = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3))
     ORDER BY created_at, id LIMIT $4`,
    [province, ...parseTimeKey(after), limit],
  );
  return rows.map((r) => ({ ...r, amount: fenFromDb(r.amount) }));
}
