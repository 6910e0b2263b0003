import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The background sealing job (sealed-columns.ts, every PII_RESEAL_INTERVAL_MS) asks for plain
 * personal data written past the service (a bulk load); there almost never is any. A partial index
 * of exactly those rows answers at once, where the question read the whole table each time.
 */
export class UnsealedValuesByIndex1733900000002 implements MigrationInterface {
  name = 'UnsealedValuesByIndex1733900000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX person_plain_id_number ON person (id_number) WHERE length(id_number) <> 64;
      CREATE INDEX wallet_plain_phone ON wallet (member_id) WHERE phone IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX person_plain_id_number, wallet_plain_phone`);
  }
}
