import type { MigrationInterface, QueryRunner } from 'typeorm';

/** R21: a key keeps its first refusal too, not only its first result (see common/platform/data/idempotency.ts). */
export class AnswersByKey1732800000000 implements MigrationInterface {
  name = 'AnswersByKey1732800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE idempotency_record ADD COLUMN refusal jsonb, ADD COLUMN operation_id text;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE idempotency_record DROP COLUMN refusal, DROP COLUMN operation_id`);
  }
}
