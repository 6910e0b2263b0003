import type { MigrationInterface, QueryRunner } from 'typeorm';

/** R26: a person's insurance can end or move; a new membership is a new member, the old one stays. */
export class Memberships1732500000000 implements MigrationInterface {
  name = 'Memberships1732500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE member DROP CONSTRAINT member_id_number_key;
      CREATE UNIQUE INDEX one_insured_membership_per_person ON member (id_number) WHERE status = 'INSURED';
      ALTER TABLE member ADD COLUMN ended_at timestamptz;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE member DROP COLUMN ended_at;
      DROP INDEX one_insured_membership_per_person;
      ALTER TABLE member ADD CONSTRAINT member_id_number_key UNIQUE (id_number);
    `);
  }
}
