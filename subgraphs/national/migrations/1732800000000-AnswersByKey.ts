import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * R21: every money operation answers by its key in idempotency_record (common/platform/data/idempotency.ts): the
 * key belongs to its party, keeps the operation it started and its first refusal. The operations'
 * own tables keep the key they were sent with, no longer unique across parties, and no request hash.
 */
export class AnswersByKey1732800000000 implements MigrationInterface {
  name = 'AnswersByKey1732800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE idempotency_record ADD COLUMN refusal jsonb, ADD COLUMN operation_id text;
      CREATE INDEX idempotency_record_operation ON idempotency_record (operation_id);
      ALTER TABLE transfer DROP CONSTRAINT transfer_idempotency_key_key, DROP COLUMN request_hash;
      ALTER TABLE settlement DROP CONSTRAINT settlement_idempotency_key_key, DROP COLUMN request_hash;
      ALTER TABLE refund DROP CONSTRAINT refund_idempotency_key_key, DROP COLUMN request_hash;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE refund ADD CONSTRAINT refund_idempotency_key_key UNIQUE (idempotency_key), ADD COLUMN request_hash text NOT NULL DEFAULT '';
      ALTER TABLE settlement ADD CONSTRAINT settlement_idempotency_key_key UNIQUE (idempotency_key), ADD COLUMN request_hash text NOT NULL DEFAULT '';
      ALTER TABLE transfer ADD CONSTRAINT transfer_idempotency_key_key UNIQUE (idempotency_key), ADD COLUMN request_hash text NOT NULL DEFAULT '';
      DROP INDEX idempotency_record_operation;
      ALTER TABLE idempotency_record DROP COLUMN refusal, DROP COLUMN operation_id;
    `);
  }
}
