import type { DataSource } from 'typeorm';
import type { AccessRecord, Queryable } from '../../common/platform/access-log';
import { provinceOfMemberId } from '../../common/domain/routing-keys';
import type { ProvinceDirectory } from '../provinces/province-directory';
import { errorText, log } from '../../common/platform/log';
import { inSpan } from '../../common/platform/observability/tracing';
import { everyInOneCopy, type ExclusiveJobs } from '../../common/platform/data/replica-jobs';

/**
 * R32 for the personal data national keeps (wallet, relationships, settlements, quota, the ID
 * number index): the records of a request go into this outbox in one insert, and are forwarded in
 * batches to the member's province, whose database keeps the record (its `recordAccess` is
 * idempotent by record id, so a batch sent twice is recorded once). They arrive within seconds;
 * a province that is down gets them when it is back.
 */
export async function keepForForwarding(db: Queryable, records: readonly AccessRecord[]): Promise<void> {
  await db.query(
    `INSERT INTO access_record_outbox (id, province, record) SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])`,
    [
      records.map((r) => r.id),
      records.map((r) => provinceOfMemberId(r.memberId) ?? ''),
      records.map((r) => JSON.stringify(r)),
    ],
  );
}

const BATCH = 500;

/** Forwards what waits, a batch per province at a time; returns how many records were forwarded. */
export async function forwardAccessRecords(db: DataSource, provinces: ProvinceDirectory): Promise<number> {
  const waiting: { province: string }[] = await db.query(
    `SELECT DISTINCT province FROM access_record_outbox WHERE forwarded_at IS NULL`,
  );
  let forwarded = 0;
  for (const { province } of waiting) {
    if (!provinces.isConnected(province)) continue;
    for (;;) {
      const rows: { seq: string; record: AccessRecord }[] = await db.query(
        `SELECT seq, record FROM access_record_outbox WHERE province = $1 AND forwarded_at IS NULL ORDER BY seq LIMIT $2`,
        [province, BATCH],
      );
      if (rows.length === 0) break;
      try {
        const batch = { 'wallet.province': province, 'wallet.records': rows.length };
        await inSpan('forward access records', { attributes: batch }, () =>
          provinces.call(province, 'recordAccess', {
            records: rows.map((r) => ({ ...r.record, readAt: new Date(r.record.readAt) })),
          }),
        );
      } catch (error) {
        log.warn({ province, error: errorText(error) }, 'R32: access records wait for their province');
        break;
      }
      await db.query(`UPDATE access_record_outbox SET forwarded_at = now() WHERE seq = ANY($1::bigint[])`, [
        rows.map((r) => r.seq),
      ]);
      forwarded += rows.length;
      if (rows.length < BATCH) break;
    }
  }
  return forwarded;
}

/** Forwards every `intervalMs`, from one copy of national at a time. */
export function startAccessRecordForwarder(
  jobs: ExclusiveJobs,
  db: DataSource,
  provinces: ProvinceDirectory,
  intervalMs: number,
): () => void {
  return everyInOneCopy('access-record forwarding', intervalMs, {
    jobs,
    work: () => forwardAccessRecords(db, provinces),
    due: async () => {
      const [{ waiting }] = (await db.query(
        `SELECT EXISTS (SELECT 1 FROM access_record_outbox WHERE forwarded_at IS NULL) AS waiting`,
      )) as { waiting: boolean }[];
      return waiting;
    },
  });
}
