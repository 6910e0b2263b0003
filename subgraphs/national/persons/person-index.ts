import type { DataSource, EntityManager } from 'typeorm';
import type { Queryable } from '../../common/platform/data/request-reads';
import { type EnrolmentRequest, checkEnrolment } from '../../common/domain/enrolment-rules';
import { InsuranceType } from '../../common/domain/enums';
import { OutcomePending, Refusal, RefusalCode } from '../../common/domain/errors';
import { provinceOfRegion } from '../../common/domain/reference-data';
import type { ProvinceDirectory } from '../provinces/province-directory';
import {
  openIdNumber,
  personKey,
  type SealedIdNumberRow,
  sealedIdNumberColumns,
  sealIdNumber,
} from './person-id-number';

/**
 * The person index (ID number → member id) and enrolment. A person is insured in exactly one
 * pooling region nationwide, which only the national side can enforce: it reserves the ID number
 * (PENDING), has the member's province enrol them (idempotent by ID number), then records the id.
 * A crash in between leaves a PENDING reservation that a repeat or the recovery worker completes.
 */
export interface PersonRecord {
  idNumber: string;
  memberId: string | null;
  name: string;
  insuranceType: InsuranceType;
  poolingRegion: string;
  state: 'PENDING' | 'ACTIVE' | 'ENDED';
}

const COLUMNS = `${sealedIdNumberColumns()}, member_id AS "memberId", name, insurance_type AS "insuranceType",
  pooling_region AS "poolingRegion", state`;

type PersonRow = Omit<PersonRecord, 'idNumber'> & SealedIdNumberRow;

const toRecord = ({ personKey: _, idNumberSealed, idNumberKey, ...person }: PersonRow): PersonRecord => ({
  idNumber: openIdNumber({ personKey: _, idNumberSealed, idNumberKey }),
  ...person,
});

export async function findPersonByIdNumber(db: Queryable, idNumber: string): Promise<PersonRecord | undefined> {
  const rows: PersonRow[] = await db.query(`SELECT ${COLUMNS} FROM person WHERE id_number = $1`, [personKey(idNumber)]);
  return rows.map(toRecord)[0];
}

export async function findPersonsByMemberId(
  db: Queryable,
  memberIds: readonly string[],
): Promise<(PersonRecord | null)[]> {
  const rows = (
    (await db.query(`SELECT ${COLUMNS} FROM person WHERE member_id = ANY($1)`, [memberIds])) as PersonRow[]
  ).map(toRecord);
  const byId = new Map(rows.map((r) => [r.memberId, r]));
  return memberIds.map((id) => byId.get(id) ?? null);
}

const sameEnrolment = (p: PersonRecord, r: EnrolmentRequest) =>
  p.poolingRegion === r.poolingRegion && p.insuranceType === r.insuranceType && p.name === r.name;

async function reserve(db: DataSource, request: EnrolmentRequest): Promise<PersonRecord | undefined> {
  const { key, sealed, keyId } = sealIdNumber(request.idNumber);
  return db.transaction(async (tx) => {
    const inserted: unknown[] = await tx.query(
      `INSERT INTO person (id_number, id_number_sealed, id_number_key, name, insurance_type, pooling_region, state) VALUES ($1, $2, $3, $4, $5, $6, 'PENDING')
       ON CONFLICT (id_number) DO NOTHING RETURNING id_number`,
      [key, sealed, keyId, request.name, request.insuranceType, request.poolingRegion],
    );
    if (inserted.length === 1) return undefined;
    const [existing] = (
      (await tx.query(`SELECT ${COLUMNS} FROM person WHERE id_number = $1 FOR UPDATE`, [key])) as PersonRow[]
    ).map(toRecord);
    if (existing.state === 'ENDED') {
      await refuseDuringMove(tx, existing, request);
      // R26: insured again (or moved): a new membership; the ended one stays in ended_membership.
      await tx.query(
        `UPDATE person SET name = $2, insurance_type = $3, pooling_region = $4, state = 'PENDING', created_at = now() WHERE id_number = $1`,
        [key, request.name, request.insuranceType, request.poolingRegion],
      );
      return undefined;
    }
    if (!sameEnrolment(existing, request)) {
      throw new Refusal(
        RefusalCode.ALREADY_ENROLLED,
        `This person is already insured in pooling region ${existing.poolingRegion}; end that insurance first.`,
      );
    }
    return existing;
  });
}

/**
 * R31: while a move's new membership is not enrolled yet, the person is enrolled only where the move
 * goes (the move's own enrolment, or the same one asked again): anything else would leave the move
 * with no membership to carry the account to. A true refusal: nothing is reserved.
 */
async function refuseDuringMove(tx: EntityManager, ended: PersonRecord, request: EnrolmentRequest): Promise<void> {
  const [move] = (await tx.query(
    `SELECT moved_to_region AS region, moved_insurance_type AS "insuranceType" FROM ended_membership
     WHERE member_id = $1 AND moved_to_region IS NOT NULL AND new_member_id IS NULL`,
    [ended.memberId],
  )) as { region: string; insuranceType: InsuranceType }[];
  if (move && (move.region !== request.poolingRegion || move.insuranceType !== request.insuranceType)) {
    throw new Refusal(
      RefusalCode.MOVE_IN_PROGRESS,
      `This person's insurance is moving to pooling region ${move.region} as ${move.insuranceType}; enrol them elsewhere once that move is done.`,
    );
  }
}

/** Enrols a person; the same enrolment repeated returns the same member id. */
export async function enrollPerson(
  db: DataSource,
  provinces: ProvinceDirectory,
  request: EnrolmentRequest,
): Promise<string> {
  const checked = checkEnrolment(request);
  const province = provinceOfRegion(checked.poolingRegion);
  if (!provinces.isConnected(province)) {
    throw new Refusal(RefusalCode.PROVINCE_UNAVAILABLE, `Province ${province} is not connected to the platform.`);
  }
  const existing = await reserve(db, checked);
  if (existing?.state === 'ACTIVE' && existing.memberId) return existing.memberId;
  return completeEnrolment(db, provinces, checked);
}

/** Has the province enrol a reserved person and records the member id (safe to repeat). */
export async function completeEnrolment(
  db: DataSource,
  provinces: ProvinceDirectory,
  request: EnrolmentRequest,
): Promise<string> {
  const province = provinceOfRegion(request.poolingRegion);
  let memberId: string;
  try {
    ({ memberId } = await provinces.call(province, 'enrol', request));
  } catch (error) {
    if (error instanceof Refusal && error.code === RefusalCode.PROVINCE_UNAVAILABLE) {
      // R30: the reservation stands and recovery completes it, so this is not a refusal: in doubt.
      throw new OutcomePending(
        `Province ${province} did not answer; the enrolment is recorded and will be completed. Ask again with the same details for the member id.`,
      );
    }
    if (error instanceof Refusal) await undoReservation(db, request.idNumber);
    throw error;
  }
  // R31: a move waiting for this membership is named with it, in the same statement (its key then
  // answers with this membership whatever becomes of it, and the account follows it, insurance-change.ts).
  await db.query(
    `WITH before AS (SELECT member_id FROM person WHERE id_number = $1 FOR UPDATE),
          enrolled AS (UPDATE person SET member_id = $2, state = 'ACTIVE' WHERE id_number = $1)
     UPDATE ended_membership SET new_member_id = $2
     WHERE member_id = (SELECT member_id FROM before) AND member_id <> $2 AND moved_to_region = $3 AND new_member_id IS NULL`,
    [personKey(request.idNumber), memberId, request.poolingRegion],
  );
  return memberId;
}

/** The insurance type of a membership, in force or ended (a membership that moved is no longer the person's). */
export async function insuranceTypeOfMembership(db: Queryable, memberId: string): Promise<InsuranceType | undefined> {
  const [row] = (await db.query(
    `SELECT insurance_type AS "insuranceType" FROM person WHERE member_id = $1
     UNION ALL SELECT insurance_type FROM ended_membership WHERE member_id = $1 LIMIT 1`,
    [memberId],
  )) as { insuranceType: InsuranceType }[];
  return row?.insuranceType;
}

/** A refused enrolment leaves nothing: a new person is forgotten, an ended membership is as it was. */
async function undoReservation(db: DataSource, idNumber: string): Promise<void> {
  const key = personKey(idNumber);
  await db.transaction(async (tx) => {
    await tx.query(`DELETE FROM person WHERE id_number = $1 AND state = 'PENDING' AND member_id IS NULL`, [key]);
    await tx.query(
      `UPDATE person p SET state = 'ENDED', insurance_type = e.insurance_type, pooling_region = e.pooling_region
       FROM ended_membership e WHERE e.member_id = p.member_id AND p.id_number = $1 AND p.state = 'PENDING'`,
      [key],
    );
  });
}

/** Reservations left by a crash between reserving and recording, oldest first. */
export async function pendingEnrolments(db: DataSource, olderThanSeconds: number): Promise<EnrolmentRequest[]> {
  const rows = (await db.query(
    `SELECT ${sealedIdNumberColumns()}, name, insurance_type AS "insuranceType", pooling_region AS "poolingRegion"
     FROM person WHERE state = 'PENDING' AND created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT 100`,
    [olderThanSeconds],
  )) as (Omit<EnrolmentRequest, 'idNumber'> & SealedIdNumberRow)[];
  return rows.map(({ personKey: key, idNumberSealed, idNumberKey, ...request }) => ({
    idNumber: openIdNumber({ personKey: key, idNumberSealed, idNumberKey }),
    ...request,
  }));
}
