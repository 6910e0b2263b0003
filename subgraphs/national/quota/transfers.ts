import type { EntityManager } from 'typeorm';
import type { Queryable } from '../../common/platform/data/request-reads';
import { requireActingFor } from '../../common/platform/auth/access';
import { parseTimeKey, timeKeyAfter } from '../../common/platform/data/keyset';
import type { FundSource } from '../../common/domain/enums';
import { crashPoint } from '../../common/platform/crash-point';
import { isRefusal, OutcomePending, Refusal, RefusalCode } from '../../common/domain/errors';
import { answerOnce, partyOf, recordRefusal } from '../../common/platform/data/idempotency';
import { ProvinceNotReached } from '../provinces/province-directory';
import { refuseUnsent } from '../recovery/recovery-grace';
import { checkAmount, type Fen, fenFromDb, formatYuan } from '../../common/domain/money';
import { provinceOfMemberId } from '../../common/domain/routing-keys';
import type { NationalContext } from '../context';
import { checkWallets } from '../relationships/relationship-rules';
import { requireRelationship } from '../relationships/relationships';
import { applyStepsOf, enqueueStep } from '../steps/province-steps';
import { quotaAvailableTo } from './quota-lots';
import {
  checkDailyTransferCount,
  checkTransferAgainstPolicy,
  POLICY_COLUMNS,
  type PolicyRow,
  policyOf,
} from './transfer-policy';
import { nextBeijingSixAm } from '../../common/platform/clock';
import { transferEvents, WalletEventKind } from '../events/wallet-events';

/**
 * R9–R12, R21, R30: a donor sets quota for a beneficiary. The money does not move; it is held in the
 * donor's province. No distributed transaction: (1) the transfer is recorded PENDING here under the
 * id its idempotency key was given; (2) the donor's province places a hold with the transfer's id
 * (the same id never holds twice, and a hold refused once stays refused); (3) the transfer is
 * COMMITTED here, and the quota is available at once. A refusal at (2) removes the PENDING record and
 * keeps the refusal as the key's answer, so a refusal leaves nothing. When the province does not
 * answer at (2) the answer is OUTCOME_PENDING, and a repeat or the recovery worker drives the PENDING
 * transfer forward. The quota then waits for the beneficiary to accept it (R25, see acceptance.ts).
 */
export interface TransferRequest {
  relationshipId: string;
  amount: Fen;
  fundSource: FundSource;
  idempotencyKey: string;
}

export interface TransferRecord {
  id: string;
  relationshipId: string;
  donorProvince: string;
  fundSource: FundSource;
  amount: Fen;
  state: 'PENDING' | 'COMMITTED' | 'ABORTED';
  createdAt: Date;
  committedAt: Date | null;
  acceptBy: Date | null;
  acceptedAt: Date | null;
  returnedAt: Date | null;
}

interface TransferRow {
  id: string;
  relationship_id: string;
  donor_province: string;
  fund_source: FundSource;
  amount: string;
  state: TransferRecord['state'];
  created_at: Date;
  committed_at: Date | null;
  accept_by: Date | null;
  accepted_at: Date | null;
  returned_at: Date | null;
}

const toRecord = (r: TransferRow): TransferRecord => ({
  id: r.id,
  relationshipId: r.relationship_id,
  donorProvince: r.donor_province,
  fundSource: r.fund_source,
  amount: fenFromDb(r.amount),
  state: r.state,
  createdAt: r.created_at,
  committedAt: r.committed_at,
  acceptBy: r.accept_by,
  acceptedAt: r.accepted_at,
  returnedAt: r.returned_at,
});

const COLUMNS = `id, relationship_id, donor_province, fund_source, amount, state, created_at, committed_at,
  accept_by, accepted_at, returned_at`;

/**
 * A page of the transfers of a period [from, to) whose donor or beneficiary is insured in a
 * province, oldest first (those given by its donors, then received by its beneficiaries from
 * elsewhere, each in the order of its index, merged). `crossProvince`: only those between two
 * provinces (true), or within one (false).
 */
export async function transfersTouching(
  db: Queryable,
  province: string,
  period: { from: Date; to: Date },
  crossProvince: boolean | null,
  limit: number,
  after?: string,
): Promise<TransferRecord[]> {
  const side = (column: string, exclude: string) => `(SELECT ${COLUMNS} FROM transfer WHERE ${column} = $1 ${exclude}
      AND created_at >= $2 AND created_at < $3 AND (created_at, id) > ($4, $5) AND state <> 'PENDING'
      AND ($6::boolean IS NULL OR (donor_province <> beneficiary_province) = $6) ORDER BY created_at, id LIMIT $7)`;
  const rows: TransferRow[] = await db.query(
    `SELECT * FROM (${side('donor_province', '')} UNION ALL ${side('beneficiary_province', 'AND donor_province <> $1')}) touching
     ORDER BY created_at, id LIMIT $7`,
    [province, period.from, period.to, ...timeKeyAfter(after), crossProvince, limit],
  );
  return rows.map(toRecord);
}

export async function findTransfer(db: Queryable, id: string): Promise<TransferRecord | undefined> {
  const rows: TransferRow[] = await db.query(`SELECT ${COLUMNS} FROM transfer WHERE id = $1`, [id]);
  return rows.map(toRecord)[0];
}

export async function transfersOf(
  db: Queryable,
  relationshipId: string,
  limit: number,
  after?: string,
): Promise<TransferRecord[]> {
  const rows: TransferRow[] = await db.query(
    `SELECT ${COLUMNS} FROM transfer WHERE relationship_id = $1 AND state <> 'PENDING'
       AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3)) ORDER BY created_at, id LIMIT $4`,
    [relationshipId, ...parseTimeKey(after), limit],
  );
  return rows.map(toRecord);
}

export async function transferQuota(ctx: NationalContext, request: TransferRequest): Promise<TransferRecord> {
  checkAmount(request.amount);
  const claim = { party: partyOf(ctx.caller), operation: 'transferQuota', key: request.idempotencyKey, request };
  return answerOnce(ctx.db, claim, {
    record: (tx, id) => recordTransfer(ctx, tx, id, request),
    complete: ({ transfer, donorId }) => {
      crashPoint('recordTransfer', 'after');
      return completeTransfer(ctx, transfer, donorId, { firstAttempt: true });
    },
    resume: async (id) => {
      const transfer = await findTransfer(ctx.db, id);
      if (!transfer) throw new Error(`transfer ${id} of a claimed key is missing`);
      if (transfer.state === 'ABORTED') throw dissolvedMeanwhile();
      if (transfer.state !== 'PENDING') return transfer;
      return completeTransfer(ctx, transfer, (await requireRelationship(ctx.db, transfer.relationshipId)).donorId);
    },
  });
}

interface CheckedRelationship extends PolicyRow {
  donor_id: string;
  beneficiary_id: string;
  status: string;
  donor_wallet: boolean;
  beneficiary_wallet: boolean;
}

/**
 * Step (1) with its checks, in the transaction that claims the key: everything the checks need in
 * one read (the relationship, both wallets for R5, the donor region's policy for R24), which also
 * locks the donor so that concurrent transfers count each other (R24's daily count).
 */
async function recordTransfer(
  ctx: NationalContext,
  tx: EntityManager,
  id: string,
  request: TransferRequest,
): Promise<{ transfer: TransferRecord; donorId: string }> {
  const [relationship] = (await tx.query(
    `SELECT r.donor_id, r.beneficiary_id, r.status, pg_advisory_xact_lock(hashtext(r.donor_id)) AS locked,
            EXISTS (SELECT 1 FROM wallet WHERE member_id = r.donor_id) AS donor_wallet,
            EXISTS (SELECT 1 FROM wallet WHERE member_id = r.beneficiary_id) AS beneficiary_wallet, ${POLICY_COLUMNS}
     FROM relationship r LEFT JOIN transfer_policy p ON p.region_code = substr(r.donor_id, 1, 6) WHERE r.id = $1`,
    [request.relationshipId],
  )) as CheckedRelationship[];
  if (!relationship)
    throw new Refusal(
      RefusalCode.RELATIONSHIP_NOT_FOUND,
      `There is no mutual-aid relationship ${request.relationshipId.slice(0, 40)}.`,
    );
  const { donor_id: donorId, beneficiary_id: beneficiaryId } = relationship;
  requireActingFor(ctx.caller, [donorId], 'set quota for this donor');
  if (relationship.status === 'AWAITING_CONSENT') {
    throw new Refusal(
      RefusalCode.CONSENT_REQUIRED,
      'The beneficiary has not yet confirmed the relationship (R27); quota can be set once they have.',
    );
  }
  if (relationship.status !== 'ACTIVE') {
    throw new Refusal(RefusalCode.RELATIONSHIP_NOT_ACTIVE, 'Quota can only be set on an active relationship (R9).');
  }
  const donorProvince = provinceOfMemberId(donorId) as string;
  if (donorProvince !== provinceOfMemberId(beneficiaryId)) {
    checkWallets({ walletActivated: relationship.donor_wallet }, { walletActivated: relationship.beneficiary_wallet });
  }
  const policy = policyOf(relationship);
  const now = ctx.now();
  checkTransferAgainstPolicy(policy, request.amount, now);
  await ctx.provinces.requireAnswering(donorProvince);
  await checkDailyTransferCount(tx, donorId, policy, now);
  const [pending] = (await tx.query(
    `INSERT INTO transfer (id, idempotency_key, relationship_id, donor_province, fund_source, amount, state,
       donor_id, created_at, accept_by)
     VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', $7, $8, $9) RETURNING ${COLUMNS}`,
    [
      id,
      request.idempotencyKey,
      request.relationshipId,
      donorProvince,
      request.fundSource,
      String(request.amount),
      donorId,
      now,
      nextBeijingSixAm(now),
    ],
  )) as TransferRow[];
  return { transfer: toRecord(pending), donorId };
}

/**
 * Steps (2) and (3); safe to repeat. Used by the request, its repeats and the recovery worker.
 * `firstAttempt`: no hold was ever asked for under this transfer's id before, so a call that never
 * left (ProvinceNotReached) leaves nothing anywhere and the transfer is refused, not in doubt.
 */
export async function completeTransfer(
  ctx: NationalContext,
  transfer: TransferRecord,
  donorId: string,
  { firstAttempt = false } = {},
): Promise<TransferRecord> {
  try {
    await ctx.provinces.call(transfer.donorProvince, 'placeHold', {
      holdId: transfer.id,
      memberId: donorId,
      fundSource: transfer.fundSource,
      amount: transfer.amount,
    });
  } catch (error) {
    const inDoubt = () =>
      new OutcomePending(`Province ${transfer.donorProvince} did not answer while the money was being held.`);
    // A first call that never reached the province held nothing: refused while recovery cannot have tried one.
    if (firstAttempt && error instanceof ProvinceNotReached) {
      if (await refuseUnsent(ctx.db, 'transfer', transfer.id, ctx.now(), error)) throw error;
      throw inDoubt();
    }
    if (!isRefusal(error) || error.code === RefusalCode.PROVINCE_UNAVAILABLE) throw inDoubt();
    // The province's refusal is final for this hold id: no later attempt can hold it.
    const refusal = await explainShortfall(ctx, error, donorId, transfer.amount);
    await ctx.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM transfer WHERE id = $1 AND state = 'PENDING'`, [transfer.id]);
      await recordRefusal(tx, transfer.id, refusal);
    });
    throw refusal;
  }
  crashPoint('commitTransfer', 'before');
  // The usual case in one statement: still PENDING, the relationship still ACTIVE (held against dissolution);
  // the beneficiary's receipt (R25) is written by the same statement.
  const [committed] = (await ctx.db.query(
    `WITH committed AS (
       UPDATE transfer SET state = 'COMMITTED', committed_at = $3 WHERE id = $1 AND state = 'PENDING'
         AND EXISTS (SELECT 1 FROM relationship WHERE id = $2 AND status = 'ACTIVE' FOR SHARE)
       RETURNING ${COLUMNS}, committed_at AS at),
     receipt AS (${transferEvents(WalletEventKind.TRANSFER_RECEIVED, 'committed')})
     SELECT * FROM committed`,
    [transfer.id, transfer.relationshipId, ctx.now()],
  )) as TransferRow[];
  if (committed) return toRecord(committed);
  const dissolved = dissolvedMeanwhile();
  await ctx.db.transaction(async (tx) => {
    const [current] = (await tx.query(`SELECT state FROM transfer WHERE id = $1 FOR UPDATE`, [transfer.id])) as {
      state: string;
    }[];
    if (current?.state !== 'PENDING') return;
    // Dissolved while the hold was being placed: undo the hold rather than grant dead quota.
    await tx.query(`UPDATE transfer SET state = 'ABORTED' WHERE id = $1`, [transfer.id]);
    await enqueueStep(tx, transfer.id, transfer.donorProvince, 'releaseHold', {
      holdId: transfer.id,
      operationId: `abort:${transfer.id}`,
      amount: transfer.amount,
    });
    await recordRefusal(tx, transfer.id, dissolved);
  });
  await applyStepsOf(ctx.db, ctx.provinces, transfer.id);
  const done = await findTransfer(ctx.db, transfer.id);
  if (done?.state === 'COMMITTED') return done;
  if (done?.state === 'ABORTED') throw dissolved;
  throw new Error(`transfer ${transfer.id} is neither committed nor aborted`);
}

const dissolvedMeanwhile = () =>
  new Refusal(
    RefusalCode.RELATIONSHIP_NOT_ACTIVE,
    'The relationship was dissolved before the quota was set; nothing was transferred.',
  );

/**
 * R11: quota received from relatives never funds a transfer. When the donor's own money falls short
 * but the quota they received would have covered the rest, say that it cannot be passed on; when
 * even that would not be enough, it is a plain shortfall.
 */
async function explainShortfall(
  ctx: NationalContext,
  refusal: Refusal,
  donorId: string,
  amount: Fen,
): Promise<Refusal> {
  if (refusal.code !== RefusalCode.INSUFFICIENT_BALANCE) return refusal;
  const shortfall = new Refusal(refusal.code, refusal.message); // what the fund had stays between the services
  const received = await quotaAvailableTo(ctx.db, donorId);
  const own = BigInt(String(refusal.extensions.availableFen ?? '0'));
  if (received === 0n || amount > own + received) return shortfall;
  return new Refusal(
    RefusalCode.REGIFT_FORBIDDEN,
    `${refusal.message} The ${formatYuan(received)} yuan of quota this donor received from relatives would cover the rest, but it can never be passed on (R11).`,
  );
}
