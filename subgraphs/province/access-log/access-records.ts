import type { DataSource } from 'typeorm';
import type { AccessRecord, Queryable } from '../../common/platform/access-log';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { provinceOfMemberId } from '../../common/domain/routing-keys';

/** R32 in the member's province: the records, written in one statement per request or batch, idempotent by record id. */
export async function writeAccessRecords(
  db: Queryable,
  records: readonly AccessRecord[],
  recordedBy: 'province' | 'national',
): Promise<void> {
  const column = <K extends keyof AccessRecord>(key: K) => records.map((r) => r[key]);
  await db.query(
    `INSERT INTO data_access_record (id, member_id, data, reader_role, reader_province, reader_subject, operator_id, read_at, recorded_by)
     SELECT *, $9 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
     ON CONFLICT (id) DO NOTHING`,
    [
      column('id'),
      column('memberId'),
      column('data'),
      column('readerRole'),
      column('readerProvince'),
      column('readerSubject'),
      column('operatorId'),
      column('readAt'),
      recordedBy,
    ],
  );
}

/** Records forwarded by national: each must be of a member of this province. */
export async function acceptForwardedRecords(
  db: DataSource,
  province: string,
  records: AccessRecord[],
): Promise<{ recorded: number }> {
  if (!Array.isArray(records) || records.some((r) => provinceOfMemberId(String(r?.memberId)) !== province)) {
    throw new Refusal(
      RefusalCode.INVALID_ARGUMENT,
      `Access records belong to the member's province; this is ${province}.`,
    );
  }
  await writeAccessRecords(
    db,
    records.map((r) => ({ ...r, readAt: new Date(r.readAt) })),
    'national',
  );
  return { recorded: records.length };
}

/** A record as read back: its place in the record (`seq`, the page cursor) instead of its id. */
export type AccessRecordRow = Omit<AccessRecord, 'id'> & { seq: string };

const SELECT = `SELECT seq, member_id AS "memberId", data, reader_role AS "readerRole", reader_province AS "readerProvince",
  reader_subject AS "readerSubject", operator_id AS "operatorId", read_at AS "readAt" FROM data_access_record`;

/** A page of one member's record, newest first. */
export function recordsOfMember(
  db: DataSource,
  memberId: string,
  limit: number,
  beforeSeq?: string,
): Promise<AccessRecordRow[]> {
  return db.query(
    `${SELECT} WHERE member_id = $1 AND ($2::bigint IS NULL OR seq < $2::bigint) ORDER BY seq DESC LIMIT $3`,
    [memberId, beforeSeq ?? null, limit],
  );
}

/** A page of the reads made by one province's staff, newest first. */
export function recordsOfStaff(
  db: DataSource,
  province: string,
  limit: number,
  beforeSeq?: string,
): Promise<AccessRecordRow[]> {
  return db.query(
    `${SELECT} WHERE reader_province = $1 AND ($2::bigint IS NULL OR seq < $2::bigint) ORDER BY seq DESC LIMIT $3`,
    [province, beforeSeq ?? null, limit],
  );
}
