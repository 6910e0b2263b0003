import { platformNow } from '../../common/platform/clock';
import type { Queryable } from '../../common/platform/data/request-reads';
import type { DataSource, EntityManager } from 'typeorm';
import { type EnrolmentRequest, checkEnrolment } from '../../common/domain/enrolment-rules';
import { personalDataKeys } from '../../common/platform/crypto/personal-data-keys';
import type { SealedColumn } from '../../common/platform/crypto/sealed-columns';
import { InsuranceType } from '../../common/domain/enums';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { memberId } from '../../common/domain/routing-keys';
import { openAccount } from '../accounts/ledger';

/** Members of this province: enrolment and lookup. A member's id carries their pooling region. */
export enum MemberStatus {
  INSURED = 'INSURED',
  ENDED = 'ENDED',
}

export interface MemberRecord {
  id: string;
  idNumber: string;
  name: string;
  insuranceType: InsuranceType;
  poolingRegion: string;
  status: MemberStatus;
  enrolledAt: Date;
}

export interface MemberRow {
  id: string;
  /** Only in a row the start-up job has not sealed yet. */
  id_number: string | null;
  id_number_sealed: Buffer | null;
  id_number_key: number | null;
  name: string;
  insurance_type: InsuranceType;
  pooling_region: string;
  status: MemberStatus;
  enrolled_at: Date;
}

/** What a sealed ID number is bound to: its column and member (a ciphertext copied to another row does not open). */
export const idNumberContext = (memberId: string) => `member.id_number:${memberId}`;

/** The member's ID number as kept: sealed, found by its blind index. */
export const SEALED_ID_NUMBER: SealedColumn = {
  table: 'member',
  id: 'id',
  plain: 'id_number',
  sealed: 'id_number_sealed',
  key: 'id_number_key',
  index: { column: 'id_number_index', of: (keys, value) => keys.idNumberIndex(value) },
  context: idNumberContext,
};

export const toRecord = (r: MemberRow): MemberRecord => ({
  id: r.id,
  idNumber:
    r.id_number ??
    personalDataKeys().open(r.id_number_sealed as Buffer, r.id_number_key as number, idNumberContext(r.id)),
  name: r.name,
  insuranceType: r.insurance_type,
  poolingRegion: r.pooling_region,
  status: r.status,
  enrolledAt: r.enrolled_at,
});

export const MEMBER_COLUMNS =
  'id, id_number, id_number_sealed, id_number_key, name, insurance_type, pooling_region, status, enrolled_at';

export async function findMembers(db: Queryable, ids: readonly string[]): Promise<(MemberRecord | null)[]> {
  const rows: MemberRow[] = await db.query(`SELECT ${MEMBER_COLUMNS} FROM member WHERE id = ANY($1)`, [ids]);
  const byId = new Map(rows.map((r) => [r.id, toRecord(r)]));
  return ids.map((id) => byId.get(id) ?? null);
}

export async function requireMember(db: DataSource | EntityManager, id: string): Promise<MemberRecord> {
  const [member] = await findMembers(db, [id]);
  if (!member)
    throw new Refusal(RefusalCode.MEMBER_NOT_FOUND, `There is no member ${id.slice(0, 20)} in this province.`);
  return member;
}

async function findInsuredByIdNumber(db: EntityManager, idNumber: string): Promise<MemberRecord | undefined> {
  const rows: MemberRow[] = await db.query(
    `SELECT ${MEMBER_COLUMNS} FROM member WHERE id_number_index = $1 AND status = 'INSURED'`,
    [personalDataKeys().idNumberIndex(idNumber)],
  );
  return rows.map(toRecord)[0];
}

/** R26: the insurance of this membership has ended (or moved away); ending twice changes nothing. */
export async function endMembership(db: DataSource, memberId: string): Promise<void> {
  await requireMember(db, memberId);
  await db.query(`UPDATE member SET status = 'ENDED', ended_at = $2 WHERE id = $1 AND status = 'INSURED'`, [
    memberId,
    platformNow(),
  ]);
}

/**
 * Enrols a person in a pooling region of this province; employees get a personal account.
 * Idempotent by ID number: the same enrolment again returns the same member, a different one for
 * an insured person is refused (a person is insured in exactly one pooling region). A person whose
 * earlier membership ended gets a new member id.
 */
export async function enrol(db: DataSource, province: string, request: EnrolmentRequest): Promise<MemberRecord> {
  const checked = checkEnrolment(request, province);
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [checked.idNumber]);
    const existing = await findInsuredByIdNumber(tx, checked.idNumber);
    if (existing) {
      const same =
        existing.poolingRegion === checked.poolingRegion &&
        existing.insuranceType === checked.insuranceType &&
        existing.name === checked.name;
      if (same) return existing;
      throw new Refusal(RefusalCode.ALREADY_ENROLLED, 'This person is already insured, as member ' + existing.id + '.');
    }
    const [{ n }] = (await tx.query(`SELECT nextval('member_number') AS n`)) as { n: string }[];
    const id = memberId(checked.poolingRegion, n);
    const keys = personalDataKeys();
    const { sealed, keyId } = keys.seal(checked.idNumber, idNumberContext(id));
    const [row] = (await tx.query(
      `INSERT INTO member (id, id_number_sealed, id_number_key, id_number_index, name, insurance_type, pooling_region, enrolled_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${MEMBER_COLUMNS}`,
      [
        id,
        sealed,
        keyId,
        keys.idNumberIndex(checked.idNumber),
        checked.name,
        checked.insuranceType,
        checked.poolingRegion,
        platformNow(),
      ],
    )) as MemberRow[];
    if (checked.insuranceType === InsuranceType.EMPLOYEE) await openAccount(tx, id);
    return toRecord(row);
  });
}
