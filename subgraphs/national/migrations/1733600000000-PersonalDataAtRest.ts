import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DATA_KEY_TABLE } from '../../common/crypto/personal-data-keys';

/**
 * Wallet phone numbers encrypted at rest (docs/cryptography.md): the data keys of this database,
 * wrapped by national's key-encryption key, and beside each wallet its sealed phone number and the
 * data key that sealed it. The plain column stays only until the start-up job has sealed every row.
 */
export class PersonalDataAtRest1733600000000 implements MigrationInterface {
  name = 'PersonalDataAtRest1733600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ${DATA_KEY_TABLE}
      ALTER TABLE wallet ADD COLUMN phone_sealed bytea, ADD COLUMN phone_key int REFERENCES data_key (id);
      CREATE INDEX wallet_phone_key ON wallet (phone_key);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX wallet_phone_key; ALTER TABLE wallet DROP COLUMN phone_key, DROP COLUMN phone_sealed; DROP TABLE data_key;`);
  }
}
