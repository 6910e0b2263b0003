import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A member's relationships as donor are read on every member page; without this, a scan of them all. */
export class RelationshipDonorIndex1732700000000 implements MigrationInterface {
  name = 'RelationshipDonorIndex1732700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX relationship_donor ON relationship (donor_id, established_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX relationship_donor`);
  }
}
