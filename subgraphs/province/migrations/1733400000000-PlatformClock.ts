import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every time a ledger or a member's history shows is written by the platform clock (a test cluster
 * moves it), never by the database's now(): those columns lose their defaults, so a write that
 * forgets the time fails instead of recording the database's.
 */
const STAMPED = [
  ['member', 'enrolled_at'],
  ['account_entry', 'created_at'],
  ['hold', 'created_at'],
];

export class PlatformClock1733400000000 implements MigrationInterface {
  name = 'PlatformClock1733400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      STAMPED.map(([table, column]) => `ALTER TABLE ${table} ALTER COLUMN ${column} DROP DEFAULT;`).join('\n'),
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      STAMPED.map(([table, column]) => `ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT now();`).join('\n'),
    );
  }
}
