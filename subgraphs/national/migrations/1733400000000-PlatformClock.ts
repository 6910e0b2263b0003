import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every time a rule or a history reads is written by the platform clock (a test cluster moves it),
 * never by the database's now(): those columns lose their defaults, so a write that forgets the
 * time fails instead of recording the database's. R23 counts the quota a refund takes back in the
 * refund's month, which refunds.ts gives the trigger as `wallet.refunded_at` for its transaction.
 */
const STAMPED = [
  ['wallet', 'activated_at'],
  ['relationship', 'established_at'],
  ['transfer', 'created_at'],
  ['settlement', 'created_at'],
  ['refund', 'created_at'],
  ['clearing_entry', 'created_at'],
  ['account_move', 'created_at'],
  ['wallet_event', 'created_at'],
  ['province_step', 'created_at'], // the restore drill replays steps and transfers in one order of time
];

const quotaUseUpdate = (refundMonth: string) => `
  CREATE OR REPLACE FUNCTION count_quota_use_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM add_to_aid_figure(a.month, a.region, a.donor_province, 0, sum(a.amount)::bigint)
      FROM (SELECT ${refundMonth} AS month, aid_region(s.kind, s.details, s.beneficiary_id) AS region, t.donor_province,
                   o.refunded - n.refunded AS amount
            FROM new_rows n JOIN old_rows o ON o.settlement_id = n.settlement_id AND o.transfer_id = n.transfer_id
              JOIN settlement s ON s.id = n.settlement_id JOIN transfer t ON t.id = n.transfer_id
            WHERE n.refunded <> o.refunded
            UNION ALL
            SELECT beijing_month(s.settled_at), aid_region(s.kind, s.details, s.beneficiary_id), t.donor_province, n.amount - o.amount
            FROM new_rows n JOIN old_rows o ON o.settlement_id = n.settlement_id AND o.transfer_id = n.transfer_id
              JOIN settlement s ON s.id = n.settlement_id JOIN transfer t ON t.id = n.transfer_id
            WHERE n.amount <> o.amount AND s.state = 'SETTLED') a
      GROUP BY a.month, a.region, a.donor_province HAVING sum(a.amount) <> 0;
      RETURN NULL;
    END $$;`;

export class PlatformClock1733400000000 implements MigrationInterface {
  name = 'PlatformClock1733400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      STAMPED.map(([table, column]) => `ALTER TABLE ${table} ALTER COLUMN ${column} DROP DEFAULT;`).join('\n'),
    );
    await db.query(
      quotaUseUpdate(`beijing_month(nullif(current_setting('wallet.refunded_at', true), '')::timestamptz)`),
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(quotaUseUpdate('beijing_month(now())'));
    await db.query(
      STAMPED.map(([table, column]) => `ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT now();`).join('\n'),
    );
  }
}
