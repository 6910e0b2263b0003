import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../common/platform/data/request-reads';
import type { DataSource, EntityManager } from 'typeorm';
import { parseTimeKey, timeKeyAfter } from '../../common/platform/data/keyset';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { provinceOfMemberId } from '../../common/domain/routing-keys';
import type { NationalContext } from '../context';
import { relationshipEvents, WalletEventKind } from '../events/wallet-events';
import { releaseAllQuota } from '../quota/quota-lots';
import { applyStepsOf } from '../steps/province-steps';
import {
  Channel,
  checkChannel,
  checkParties,
  checkRequest,
  type PartyFacts,
  type Relation,
  type RelationshipRequest,
} from './relationship-rules';

/** Family mutual-aid relationships (共济关系): registration and dissolution. */
export interface RelationshipRecord {
  id: string;
  donorId: string;
  beneficiaryId: string;
  relation: Relation;
  channel: Channel;
  operatorId: string | null;
  commitmentVersion: string;
  commitmentSignedAt: Date;
  status: 'AWAITING_CONSENT' | 'ACTIVE' | 'DISSOLVED';
  consentedAt: Date | null;
  establishedAt: Date;
  dissolvedAt: Date | null;
  dissolutionChannel: Channel | null;
}

const COLUMNS = `id, donor_id AS "donorId", beneficiary_id AS "beneficiaryId", relation, channel, operator_id AS "operatorId",
  commitment_version AS "commitmentVersion", commitment_signed_at AS "commitmentSignedAt", status,
  established_at AS "establishedAt", dissolved_at AS "dissolvedAt", dissolution_channel AS "dissolutionChannel",
  consented_at AS "consentedAt"`;

export async function findRelationships(db: Queryable, ids: readonly string[]): Promise<(RelationshipRecord | null)[]> {
  const rows: RelationshipRecord[] = await db.query(`SELECT ${COLUMNS} FROM relationship WHERE id = ANY($1)`, [ids]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id) ?? null);
}

export async function requireRelationship(
  db: DataSource | EntityManager,
  id: string,
  lock = '',
): Promise<RelationshipRecord> {
  const [row] = (await db.query(`SELECT ${COLUMNS} FROM relationship WHERE id = $1 ${lock}`, [
    id,
  ])) as RelationshipRecord[];
  if (!row)
    throw new Refusal(RefusalCode.RELATIONSHIP_NOT_FOUND, `There is no mutual-aid relationship ${id.slice(0, 40)}.`);
  return row;
}

/** A relationship as this request first read it (unlocked; for checks, not for changes). */
export async function loadRelationship(ctx: NationalContext, id: string): Promise<RelationshipRecord> {
  const row = await ctx.relationships.load(id);
  if (!row)
    throw new Refusal(RefusalCode.RELATIONSHIP_NOT_FOUND, `There is no mutual-aid relationship ${id.slice(0, 40)}.`);
  return row;
}

/** A member's relationships as donor or as beneficiary, oldest first (keyset on time, then id). */
export async function relationshipsOf(
  db: Queryable,
  side: 'donor' | 'beneficiary',
  memberId: string,
  limit: number,
  after?: string,
): Promise<RelationshipRecord[]> {
  const column = side === 'donor' ? 'donor_id' : 'beneficiary_id';
  return db.query(
    `SELECT ${COLUMNS} FROM relationship WHERE ${column} = $1
       AND ($2::timestamptz IS NULL OR (established_at, id) > ($2, $3)) ORDER BY established_at, id LIMIT $4`,
    [memberId, ...parseTimeKey(after), limit],
  );
}

/**
 * A page of the relationships whose donor or beneficiary is insured in a province, oldest first:
 * for each status asked, the donor's side and the beneficiary's (without those counted on the
 * donor's), each read in the order of its index and cut at the page, then merged.
 */
export async function relationshipsTouching(
  db: Queryable,
  province: string,
  statuses: readonly string[],
  limit: number,
  after?: string,
): Promise<RelationshipRecord[]> {
  const side = (
    column: string,
    exclude: string,
  ) => `SELECT r.* FROM unnest($2::text[]) AS s (status) CROSS JOIN LATERAL (
      SELECT ${COLUMNS} FROM relationship WHERE left(${column}, 2) = $1 ${exclude} AND status = s.status
        AND (established_at, id) > ($3, $4) ORDER BY established_at, id LIMIT $5) r`;
  return db.query(
    `SELECT * FROM (${side('donor_id', '')} UNION ALL ${side('beneficiary_id', 'AND left(donor_id, 2) <> $1')}) touching
     ORDER BY "establishedAt", id LIMIT $5`,
    [province, statuses, ...timeKeyAfter(after), limit],
  );
}

/** Gathers what R1, R2, R5 and R8 need about a member, asking their own province. */
async function factsAbout(ctx: NationalContext, memberId: string): Promise<PartyFacts> {
  const person = await ctx.persons.load(memberId);
  const province = provinceOfMemberId(memberId);
  if (!person || person.state !== 'ACTIVE' || !province) {
    throw new Refusal(RefusalCode.MEMBER_NOT_FOUND, `There is no insured member ${memberId.slice(0, 20)}.`);
  }
  const [status, region, wallet] = await Promise.all([
    ctx.provinces.call(province, 'memberStatus', { memberId }, { read: true }),
    ctx.regions.load(person.poolingRegion),
    ctx.wallets.load(memberId),
  ]);
  return {
    memberId,
    insuranceType: status.insuranceType,
    insured: status.status === 'INSURED',
    province,
    poolingRegion: status.poolingRegion,
    crossProvinceEnabled: region?.crossProvinceEnabled ?? false,
    walletActivated: wallet !== null,
  };
}

export async function establishRelationship(
  ctx: NationalContext,
  request: RelationshipRequest,
  now: Date,
): Promise<RelationshipRecord> {
  checkRequest(request, now);
  const [donor, beneficiary] = await Promise.all([
    factsAbout(ctx, request.donorId),
    factsAbout(ctx, request.beneficiaryId),
  ]);
  checkParties(donor, beneficiary);
  const id = randomUUID();
  try {
    await ctx.db.query(
      `WITH registered AS (
         INSERT INTO relationship (id, donor_id, beneficiary_id, relation, channel, operator_id, commitment_version,
           commitment_signed_at, status, established_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'AWAITING_CONSENT', $9) RETURNING id, donor_id, beneficiary_id, established_at AS at)
       ${relationshipEvents(WalletEventKind.RELATIONSHIP_AWAITING_CONSENT, 'registered')}`,
      [
        id,
        request.donorId,
        request.beneficiaryId,
        request.relation,
        request.channel,
        request.operatorId ?? null,
        request.commitment?.version.trim(),
        request.commitment?.signedAt,
        now,
      ],
    );
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw await alreadyRegistered(ctx, request);
    throw error;
  }
  return requireRelationship(ctx.db, id);
}

/** R7: at most one live relationship per pair; say whether it is active or still awaits consent (R27). */
async function alreadyRegistered(ctx: NationalContext, request: RelationshipRequest): Promise<Refusal> {
  const [live] = (await ctx.db.query(
    `SELECT id, status FROM relationship WHERE donor_id = $1 AND beneficiary_id = $2 AND status <> 'DISSOLVED'`,
    [request.donorId, request.beneficiaryId],
  )) as { id: string; status: string }[];
  if (live?.status === 'AWAITING_CONSENT') {
    return new Refusal(
      RefusalCode.RELATIONSHIP_AWAITING_CONSENT,
      "This relationship is registered already and awaits the beneficiary's consent (R27): they confirm it in the app or at a window.",
      { relationshipId: live.id },
    );
  }
  return new Refusal(
    RefusalCode.RELATIONSHIP_ALREADY_ACTIVE,
    'These two members already have an active mutual-aid relationship (R7).',
  );
}

export interface DissolutionRequest {
  relationshipId: string;
  channel: Channel;
  operatorId?: string | null;
}

/**
 * R18: ends a relationship through any channel and, in the same national transaction, returns
 * every unused fen of its quota to the donor (the releases are then applied in the donor's
 * province, or by the recovery worker if it is down). Dissolving twice changes nothing.
 */
export async function dissolveRelationship(
  ctx: NationalContext,
  request: DissolutionRequest,
): Promise<RelationshipRecord> {
  checkChannel(request.channel, request.operatorId);
  const operationId = `dissolve:${request.relationshipId}`;
  await ctx.db.transaction(async (tx) => {
    const relationship = await requireRelationship(tx, request.relationshipId, 'FOR UPDATE');
    if (relationship.status === 'DISSOLVED') return;
    await endRelationship(tx, relationship.id, request.channel, request.operatorId ?? null, ctx.now());
  });
  await applyStepsOf(ctx.db, ctx.provinces, operationId);
  return requireRelationship(ctx.db, request.relationshipId);
}

/** R18: marks a relationship dissolved (telling both parties) and releases its unused quota, inside the caller's transaction. */
export async function endRelationship(
  tx: EntityManager,
  id: string,
  channel: Channel,
  operatorId: string | null,
  now: Date,
): Promise<void> {
  await tx.query(
    `WITH ended AS (
       UPDATE relationship SET status = 'DISSOLVED', dissolved_at = $4, dissolution_channel = $2, dissolution_operator = $3 WHERE id = $1
       RETURNING id, donor_id, beneficiary_id, dissolved_at AS at)
     ${relationshipEvents(WalletEventKind.RELATIONSHIP_ENDED, 'ended')}`,
    [id, channel, operatorId, now],
  );
  await releaseAllQuota(tx, id, `dissolve:${id}`);
}

export interface ConsentRequest {
  relationshipId: string;
  channel: Channel;
  operatorId?: string | null;
}

/**
 * R27: the beneficiary confirms the relationship in the app, or a window clerk records their
 * consent; only then can quota be set. Confirming twice changes nothing.
 */
export async function confirmRelationship(ctx: NationalContext, request: ConsentRequest): Promise<RelationshipRecord> {
  checkChannel(request.channel, request.operatorId);
  await ctx.db.transaction(async (tx) => {
    const relationship = await requireRelationship(tx, request.relationshipId, 'FOR UPDATE');
    if (relationship.status === 'DISSOLVED') {
      throw new Refusal(
        RefusalCode.RELATIONSHIP_NOT_ACTIVE,
        'This relationship has been dissolved; register it again.',
      );
    }
    if (relationship.status === 'ACTIVE') return;
    await tx.query(
      `UPDATE relationship SET status = 'ACTIVE', consented_at = $2, consent_channel = $3, consent_operator = $4 WHERE id = $1`,
      [relationship.id, ctx.now(), request.channel, request.operatorId ?? null],
    );
  });
  return requireRelationship(ctx.db, request.relationshipId);
}

/** Whether two members have a relationship that has not been dissolved, in either direction. */
export async function areRelated(db: DataSource, a: string, b: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM relationship WHERE status <> 'DISSOLVED'
       AND ((donor_id = $1 AND beneficiary_id = $2) OR (donor_id = $2 AND beneficiary_id = $1)) LIMIT 1`,
    [a, b],
  );
  return rows.length > 0;
}
