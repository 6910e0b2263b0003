import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DATA_KEY_TABLE } from '../../common/platform/crypto/personal-data-keys';

/**
 * ID numbers encrypted at rest (docs/cryptography.md): the data keys of this database, wrapped by
 * the deployment's key-encryption key, and beside each member the sealed ID number, the data key
 * that sealed it and its blind index (a keyed hash, the only way a member is found by ID number).
 * The plain column stays only until the start-up job has sealed every row (members/id-number-at-rest.ts).
 */
export class PersonalDataAtRest1733700000000 implements MigrationInterface {
  name = 'PersonalDataAtRest1733700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ${DATA_KEY_TABLE}
      ALTER TABLE member ALTER COLUMN id_number DROP NOT NULL,
        ADD COLUMN id_number_sealed bytea,
        ADD COLUMN id_number_key int REFERENCES data_key (id),
        ADD COLUMN id_number_index bytea,
        ADD CONSTRAINT id_number_kept CHECK (id_number IS NOT NULL OR (id_number_sealed IS NOT NULL AND id_number_key IS NOT NULL AND id_number_index IS NOT NULL));
      CREATE UNIQUE INDEX one_insured_membership_per_index ON member (id_number_index) WHERE status = 'INSURED';
      CREATE INDEX member_id_number_index ON member (id_number_index);
      CREATE INDEX member_id_number_key ON member (id_number_key);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX member_id_number_key, member_id_number_index, one_insured_membership_per_index;
      ALTER TABLE member DROP CONSTRAINT id_number_kept, DROP COLUMN id_number_index, DROP COLUMN id_number_key, DROP COLUMN id_number_sealed;
      DROP TABLE data_key;
    `);
  }
}
