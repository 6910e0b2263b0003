import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * R31, issue 29: a move names the membership it enrolled, once, in the statement that enrols it, so
 * its key answers the same after that membership ends or moves on, and the account follows that
 * membership and no other. Moves recorded before are named from where their account went.
 */
export class MoveSaga1733429000000 implements MigrationInterface {
  name = 'MoveSaga1733429000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE ended_membership ADD COLUMN new_member_id text;
      UPDATE ended_membership e SET new_member_id = a.to_member FROM account_move a WHERE a.id = e.operation_id AND a.to_member IS NOT NULL;
      UPDATE ended_membership e SET new_member_id = p.member_id
        FROM account_move a JOIN person p ON p.id_number = a.id_number
        WHERE a.id = e.operation_id AND a.state = 'WAITING_FOR_MEMBERSHIP' AND e.new_member_id IS NULL
          AND p.state = 'ACTIVE' AND p.pooling_region = a.to_region AND p.member_id <> a.from_member;
      CREATE INDEX ended_membership_new_member ON ended_membership (new_member_id) WHERE new_member_id IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE ended_membership DROP COLUMN new_member_id`);
  }
}
