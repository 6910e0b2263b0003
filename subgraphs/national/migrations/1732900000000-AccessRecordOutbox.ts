import type { MigrationInterface, QueryRunner } from 'typeorm';

/** R32: staff reads of national-owned personal data, waiting to be forwarded to the member's province. */
export class AccessRecordOutbox1732900000000 implements MigrationInterface {
  name = 'AccessRecordOutbox1732900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE access_record_outbox (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        province text NOT NULL,
        record jsonb NOT NULL,
        forwarded_at timestamptz
      );
      CREATE INDEX access_record_outbox_waiting ON access_record_outbox (province, seq) WHERE forwarded_at IS NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE access_record_outbox;`);
  }
}
