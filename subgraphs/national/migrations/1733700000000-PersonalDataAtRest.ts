import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DATA_KEY_TABLE } from '../../common/platform/crypto/personal-data-keys';

/**
 * Personal data encrypted at rest (docs/cryptography.md): the data keys of this database, wrapped
 * by national's key-encryption key; beside each wallet its sealed phone number and the data key
 * that sealed it (the plain column stays only until the start-up job has sealed every row); beside
 * each person the sealed ID number, whose column `id_number` the start-up job turns into the
 * person's key, the ID number's blind index (persons/person-id-number.ts).
 */
export class PersonalDataAtRest1733700000000 implements MigrationInterface {
  name = 'PersonalDataAtRest1733700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ${DATA_KEY_TABLE}
      ALTER TABLE wallet ADD COLUMN phone_sealed bytea, ADD COLUMN phone_key int REFERENCES data_key (id);
      CREATE INDEX wallet_phone_key ON wallet (phone_key);
      ALTER TABLE person ADD COLUMN id_number_sealed bytea, ADD COLUMN id_number_key int REFERENCES data_key (id);
      CREATE INDEX person_id_number_key ON person (id_number_key);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX person_id_number_key, wallet_phone_key;
      ALTER TABLE person DROP COLUMN id_number_key, DROP COLUMN id_number_sealed;
      ALTER TABLE wallet DROP COLUMN phone_key, DROP COLUMN phone_sealed;
      DROP TABLE data_key;
    `);
  }
}
