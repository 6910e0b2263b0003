import type { DataSource } from 'typeorm';
import { InsuranceType } from '../../common/enums';
import { Refusal, RefusalCode } from '../../common/errors';
import { findPoolingRegion } from '../../common/reference-data';
import { provinceOfMemberId } from '../../common/routing-keys';
import type { NationalContext } from '../context';
import { Channel } from '../relationships/relationship-rules';
import { endRelationship } from '../relationships/relationships';
import { applyStepsOf, enqueueStep } from '../steps/province-steps';
import { enrollPerson } from './person-index';

/**
 * R26: when a member's insurance ends, or moves to another pooling region, every relationship of
 * that member ends by itself, with its unused quota returned to the donor (R18). One national
 * transaction decides it all (membership ended, relationships dissolved, releases and the
 * province's end recorded in the outbox); the provinces follow, or the recovery worker makes them.
 * A move then enrols the person in the new region as a new member.
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
}

export interface InsuranceChangeResult {
  endedMemberId: string;
  newMemberId: string | null;
  endedRelationshipIds: string[];
}

export async function changeInsurance(ctx: NationalContext, change: InsuranceChange): Promise<InsuranceChangeResult> {
  const person = await ctx.persons.load(change.memberId);
  if (!person || person.state !== 'ACTIVE') {
    throw new Refusal(RefusalCode.MEMBER_NOT_FOUND, `There is no insured member ${change.memberId.slice(0, 20)}.`);
  }
  const moving = change.reason === InsuranceChangeReason.MOVED;
  if (moving) {
    if (!change.newPoolingRegion || !findPoolingRegion(change.newPoolingRegion)) {
      throw new Refusal(RefusalCode.UNKNOWN_POOLING_REGION, 'A move names the pooling region the insurance moves to.');
    }
    if (change.newPoolingRegion === person.poolingRegion) {
      throw new Refusal(RefusalCode.INVALID_ARGUMENT, 'The insurance already is in that pooling region.');
    }
  }
  const endOperation = `end:${change.memberId}`;
  const ended = await ctx.db.transaction(async (tx) => {
    const locked: unknown[] = await tx.query(`SELECT 1 FROM person WHERE member_id = $1 AND state = 'ACTIVE' FOR UPDATE`, [change.memberId]);
    if (locked.length === 0) throw new Refusal(RefusalCode.MEMBER_NOT_INSURED, 'This membership has already ended.');
    const now = ctx.now();
    await tx.query(
      `INSERT INTO ended_membership (member_id, id_number, pooling_region, insurance_type, reason, ended_at)
       SELECT member_id, id_number, pooling_region, insurance_type, $2, $3 FROM person WHERE member_id = $1`,
      [change.memberId, change.reason, now],
    );
    await tx.query(`UPDATE person SET state = 'ENDED' WHERE member_id = $1`, [change.memberId]);
    const relationships: { id: string }[] = await tx.query(
      `SELECT id FROM relationship WHERE (donor_id = $1 OR beneficiary_id = $1) AND status <> 'DISSOLVED' ORDER BY id FOR UPDATE`,
      [change.memberId],
    );
    for (const { id } of relationships) await endRelationship(tx, id, Channel.AUTOMATIC, null, now);
    await enqueueStep(tx, endOperation, provinceOfMemberId(change.memberId) as string, 'endMembership', { memberId: change.memberId });
    return relationships.map((r) => r.id);
  });
  for (const id of ended) await applyStepsOf(ctx.db, ctx.provinces, `dissolve:${id}`);
  await applyStepsOf(ctx.db, ctx.provinces, endOperation);
  let newMemberId: string | null = null;
  if (moving) {
    newMemberId = await enrollPerson(ctx.db, ctx.provinces, {
      idNumber: person.idNumber,
      name: person.name,
      insuranceType: change.newInsuranceType ?? person.insuranceType,
      poolingRegion: change.newPoolingRegion as string,
    });
    await carryWalletOver(ctx.db, change.memberId, newMemberId);
  }
  return { endedMemberId: change.memberId, newMemberId, endedRelationshipIds: ended };
}

/** The wallet belongs to the person: a move keeps its phone, place of use and opener. */
async function carryWalletOver(db: DataSource, from: string, to: string): Promise<void> {
  await db.query(
    `INSERT INTO wallet (member_id, activated_at, phone, place_of_use, opened_by, opened_by_member, opened_by_operator)
     SELECT $2, activated_at, phone, place_of_use, opened_by, opened_by_member, opened_by_operator FROM wallet WHERE member_id = $1
     ON CONFLICT DO NOTHING`,
    [from, to],
  );
}
