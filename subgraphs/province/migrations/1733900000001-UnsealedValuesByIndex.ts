import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The background sealing job (sealed-columns.ts, every PII_RESEAL_INTERVAL_MS) asks for plain ID
 * numbers written past the service (a bulk load); there almost never are any. A partial index of
 * exactly those rows answers at once, where the question read the whole table each time.
 */
export class UnsealedValuesByIndex1733900000001 implements MigrationInterface {
  name = 'UnsealedValuesByIndex1733900000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX member_plain_id_number ON member (id) WHERE id_number IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX member_plain_id_number`);
  }
}
