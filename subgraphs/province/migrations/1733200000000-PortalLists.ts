import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The indexes behind a portal's member search (`members(province:, filter:)`), each list in its
 * order so that a page reads a page of index entries, not the province: by ID number (every
 * membership, ended ones too), by name prefix in code-point order (a C-collated index, whatever
 * the database's locale), by pooling region with or without status, by status alone.
 */
export class PortalLists1733200000000 implements MigrationInterface {
  name = 'PortalLists1733200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX member_id_number ON member (id_number);
      CREATE INDEX member_name ON member (name COLLATE "C", id);
      DROP INDEX member_region;
      CREATE INDEX member_region ON member (pooling_region, id);
      CREATE INDEX member_region_status ON member (pooling_region, status, id);
      CREATE INDEX member_status ON member (status, id);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX member_status, member_region_status, member_region, member_name, member_id_number;
      CREATE INDEX member_region ON member (pooling_region);
    `);
  }
}
