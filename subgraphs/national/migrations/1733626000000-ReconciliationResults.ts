import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The last R20 reconciliation of each province, whoever ran it (the periodic job, a portal's query,
 * restore-heal): every copy of national reads it for /metrics, so a copy that did not run it
 * reports the same figures as the one that did.
 */
export class ReconciliationResults1733626000000 implements MigrationInterface {
  name = 'ReconciliationResults1733626000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE reconciliation_result (
        province    text PRIMARY KEY,
        checked_at  timestamptz NOT NULL,
        differences int NOT NULL,
        missing_entries int NOT NULL
      );`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE reconciliation_result');
  }
}
