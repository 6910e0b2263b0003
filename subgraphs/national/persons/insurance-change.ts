import type { DataSource, EntityManager } from 'typeorm';
import { crashPoint } from '../../common/platform/crash-point';
import { checkEnrolment } from '../../common/domain/enrolment-rules';
import { InsuranceType } from '../../common/domain/enums';
import { isRefusal, OutcomePending, Refusal, RefusalCode } from '../../common/domain/errors';
import { answerOnce, partyOf } from '../../common/platform/data/idempotency';
import { findPoolingRegion, provinceOfRegion } from '../../common/domain/reference-data';
import { provinceOfMemberId } from '../../common/domain/routing-keys';
import type { NationalContext } from '../context';
import { Channel } from '../relationships/relationship-rules';
import { endRelationship } from '../relationships/relationships';
import { applyStepsOf, enqueueStep } from '../steps/province-steps';
import { type AccountMoveRecord, carryAccount, recordAccountMove } from './account-moves';
import { enrollPerson } from './person-index';
import { findWallets, sealPhone } from '../wallets/wallets';
import { openIdNumber, type SealedIdNumberRow, sealedIdNumberColumns } from './person-id-number';

/**
 * R26, R31: when a member's insurance ends, or moves to another pooling region, every relationship of
 * that member ends by itself, with its unused quota returned to the donor (R18). One national
 * transaction decides it all (membership ended, relationships dissolved, releases and the province's
 * end recorded in the outbox, and for an employee who moves, the move of their account); the
 * provinces follow, or the recovery worker makes them. A move then enrols the person in the new
 * region as a new member, and the account follows them there (account-moves.ts). It moves money, so
 * it answers once per idempotency key (R21), and OUTCOME_PENDING while the new membership cannot be
 * enrolled yet (R30).
 */
export enum InsuranceChangeReason {
  INSURANCE_ENDED = 'INSURANCE_ENDED',
  MOVED = 'MOVED',
}

export interface InsuranceChange {
  memberId: string;
  reason: InsuranceChangeReason;
  newPoolingRegion?: string | null;
  newInsuranceType?: InsuranceType | null;
  idempotencyKey: string;
}

export interface InsuranceChangeResult {
  endedMemberId: string;
  newMemberId: string | null;
  endedRelationshipIds: string[];
  accountMove: AccountMoveRecord | null;
}

export async function changeInsurance(ctx: NationalContext, change: InsuranceChange): Promise<InsuranceChangeResult> {
  const claim = {
    party: partyOf(ctx.caller),
    operation: 'changeInsurance',
    key: change.idempotencyKey,
    request: change,
  };
  return answerOnce(ctx.db, claim, {
    record: (tx, id) => recordChange(ctx, tx, id, change),
    complete: (id) => {
      crashPoint('changeInsurance', 'after');
      return finishChange(ctx, id);
    },
    resume: (id) => finishChange(ctx, id),
  });
}

/** The decision, in the transaction that claims the key. */
async function recordChange(
  ctx: NationalContext,
  tx: EntityManager,
  operationId: string,
  change: InsuranceChange,
): Promise<string> {
  const [person] = (await tx.query(
    `SELECT ${sealedIdNumberColumns()}, name, insurance_type AS "insuranceType", pooling_region AS "poolingRegion", state
     FROM person WHERE member_id = $1 FOR UPDATE`,
    [change.memberId],
  )) as (SealedIdNumberRow & { name: string; insuranceType: InsuranceType; poolingRegion: string; state: string })[];
  if (!person)
    throw new Refusal(RefusalCode.MEMBER_NOT_FOUND, `There is no insured member ${change.memberId.slice(0, 20)}.`);
  if (person.state !== 'ACTIVE')
    throw new Refusal(RefusalCode.MEMBER_NOT_INSURED, 'This membership has already ended.');
  await refuseWhileAccountArrives(tx, change.memberId);
  const moving = change.reason === InsuranceChangeReason.MOVED;
  const newInsuranceType = change.newInsuranceType ?? person.insuranceType;
  if (moving) {
    if (!change.newPoolingRegion || !findPoolingRegion(change.newPoolingRegion)) {
      throw new Refusal(RefusalCode.UNKNOWN_POOLING_REGION, 'A move names the pooling region the insurance moves to.');
    }
    if (change.newPoolingRegion === person.poolingRegion) {
      throw new Refusal(RefusalCode.INVALID_ARGUMENT, 'The insurance already is in that pooling region.');
    }
    checkEnrolment({
      idNumber: openIdNumber(person),
      name: person.name,
      insuranceType: newInsuranceType,
      poolingRegion: change.newPoolingRegion,
    });
    await ctx.provinces.requireAnswering(provinceOfRegion(change.newPoolingRegion));
  }
  const now = ctx.now();
  const relationships: { id: string }[] = await tx.query(
    `SELECT id FROM relationship WHERE (donor_id = $1 OR beneficiary_id = $1) AND status <> 'DISSOLVED' ORDER BY id FOR UPDATE`,
    [change.memberId],
  );
  await tx.query(
    `INSERT INTO ended_membership (member_id, id_number, pooling_region, insurance_type, reason, ended_at, operation_id,
       moved_to_region, moved_insurance_type, ended_relationships)
     SELECT member_id, id_number, pooling_region, insurance_type, $2, $3, $4, $5, $6, $7 FROM person WHERE member_id = $1`,
    [
      change.memberId,
      change.reason,
      now,
      operationId,
      moving ? change.newPoolingRegion : null,
      moving ? newInsuranceType : null,
      relationships.map((r) => r.id),
    ],
  );
  await tx.query(`UPDATE person SET state = 'ENDED' WHERE member_id = $1`, [change.memberId]);
  for (const { id } of relationships) await endRelationship(tx, id, Channel.AUTOMATIC, null, now);
  await enqueueStep(tx, `end:${change.memberId}`, provinceOfMemberId(change.memberId) as string, 'endMembership', {
    memberId: change.memberId,
  });
  // R31: an employee's account goes with them to a membership that has one.
  if (moving && person.insuranceType === InsuranceType.EMPLOYEE && newInsuranceType === InsuranceType.EMPLOYEE) {
    await recordAccountMove(tx, operationId, person.personKey, change.memberId, change.newPoolingRegion as string);
  }
  return operationId;
}

/**
 * R31: a membership whose account is still arriving from a move cannot end or move on yet: its
 * transfer-in would land on an ended membership. A true refusal (R30): nothing is recorded, and the
 * same change under a new key goes through once the account has arrived.
 */
async function refuseWhileAccountArrives(tx: EntityManager, memberId: string): Promise<void> {
  const [arriving] = (await tx.query(
    `SELECT a.from_member AS "fromMember" FROM ended_membership e JOIN account_move a ON a.id = e.operation_id
     WHERE e.new_member_id = $1 AND a.state <> 'MOVED'`,
    [memberId],
  )) as { fromMember: string }[];
  if (arriving) {
    throw new Refusal(
      RefusalCode.MOVE_IN_PROGRESS,
      `The personal account of this membership is still arriving from ${arriving.fromMember}; change the insurance once it has arrived.`,
      { fromMemberId: arriving.fromMember },
    );
  }
}

interface EndedRow extends SealedIdNumberRow {
  member_id: string;
  name: string;
  moved_to_region: string | null;
  moved_insurance_type: InsuranceType | null;
  ended_relationships: string[];
  new_member_id: string | null;
}

/** What follows the decision, safe to repeat: the provinces' steps, the new membership, the account's move. */
async function finishChange(ctx: NationalContext, operationId: string): Promise<InsuranceChangeResult> {
  const [ended] = (await ctx.db.query(
    `SELECT e.member_id, ${sealedIdNumberColumns('p.')}, p.name, e.moved_to_region, e.moved_insurance_type, e.ended_relationships, e.new_member_id
     FROM ended_membership e JOIN person p ON p.id_number = e.id_number WHERE e.operation_id = $1`,
    [operationId],
  )) as EndedRow[];
  if (!ended) throw new Error(`insurance change ${operationId} of a claimed key is missing`);
  for (const id of ended.ended_relationships) await applyStepsOf(ctx.db, ctx.provinces, `dissolve:${id}`);
  const endApplied = await applyStepsOf(ctx.db, ctx.provinces, `end:${ended.member_id}`);
  if (!ended.moved_to_region)
    return {
      endedMemberId: ended.member_id,
      newMemberId: null,
      endedRelationshipIds: ended.ended_relationships,
      accountMove: null,
    };
  if (!endApplied) {
    // Within one province the old membership must have ended there before the new one can be enrolled.
    throw new OutcomePending(
      `The membership ended; province ${provinceOfMemberId(ended.member_id)} did not answer while ending it there.`,
    );
  }
  // Once enrolled, the move's membership is named for good: a repeat never enrols again (R21), whatever became of it.
  const newMemberId = ended.new_member_id ?? (await enrollNewMembership(ctx, operationId, ended));
  await carryWalletOver(ctx.db, ended.member_id, newMemberId);
  const accountMove = (await carryAccount(ctx, operationId)) ?? null;
  return { endedMemberId: ended.member_id, newMemberId, endedRelationshipIds: ended.ended_relationships, accountMove };
}

async function enrollNewMembership(ctx: NationalContext, operationId: string, ended: EndedRow): Promise<string> {
  let newMemberId: string;
  try {
    newMemberId = await enrollPerson(ctx.db, ctx.provinces, {
      idNumber: openIdNumber(ended),
      name: ended.name,
      insuranceType: ended.moved_insurance_type as InsuranceType,
      poolingRegion: ended.moved_to_region as string,
    });
  } catch (error) {
    // The move was decided and its checks passed when it was recorded: a refusal now is the old
    // province not yet told of the end, or the new one not answering. Never a refusal (R30): recovery goes on.
    if (isRefusal(error)) {
      throw new OutcomePending(
        `The membership ended; the new one in ${ended.moved_to_region} is not enrolled yet (${error.message}).`,
      );
    }
    throw error;
  }
  // A move recorded before moves named their membership (migration MoveSaga) is named now.
  await ctx.db.query(
    `UPDATE ended_membership SET new_member_id = $2 WHERE operation_id = $1 AND new_member_id IS NULL`,
    [operationId, newMemberId],
  );
  return newMemberId;
}

/** Moves whose membership ended while the person is still on it: the new membership is not enrolled yet. */
export const UNFINISHED_MOVES = `ended_membership e JOIN person p ON p.id_number = e.id_number AND p.member_id = e.member_id
  WHERE e.moved_to_region IS NOT NULL AND p.state = 'ENDED'`;

/**
 * For the recovery worker: moves whose membership ended but whose new one is not enrolled yet (the
 * request got OUTCOME_PENDING, or national stopped before enrolling it). Returns how many it finished.
 */
export async function finishWaitingMoves(ctx: NationalContext, graceSeconds: number): Promise<number> {
  const waiting: { operation_id: string }[] = await ctx.db.query(
    `SELECT e.operation_id FROM ${UNFINISHED_MOVES} AND e.ended_at < $2::timestamptz - make_interval(secs => $1)
     ORDER BY e.ended_at LIMIT 100`,
    [graceSeconds, ctx.now()],
  );
  let finished = 0;
  for (const { operation_id: id } of waiting) {
    finished += await finishChange(ctx, id).then(
      () => 1,
      () => 0,
    );
  }
  return finished;
}

/** The wallet belongs to the person: a move keeps its phone, place of use and opener. */
async function carryWalletOver(db: DataSource, from: string, to: string): Promise<void> {
  const [wallet] = await findWallets(db, [from]);
  if (!wallet) return;
  const phone = sealPhone(to, wallet.phone); // sealed again: a sealed value is bound to its wallet's member
  await db.query(
    `INSERT INTO wallet (member_id, activated_at, phone_sealed, phone_key, place_of_use, opened_by, opened_by_member, opened_by_operator)
     SELECT $2, activated_at, $3, $4, place_of_use, opened_by, opened_by_member, opened_by_operator FROM wallet WHERE member_id = $1
     ON CONFLICT DO NOTHING`,
    [from, to, phone.sealed, phone.keyId],
  );
}
