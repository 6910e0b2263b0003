import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * R31: a move carries the account. An insurance change is recorded with the operation its key was
 * given; a move of an account is followed until the new membership has it. R19: quota refunded to a
 * donor after dissolution is counted on its transfer.
 */
export class AccountMoves1733000000000 implements MigrationInterface {
  name = 'AccountMoves1733000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE ended_membership ADD COLUMN operation_id text UNIQUE, ADD COLUMN moved_to_region char(6),
        ADD COLUMN moved_insurance_type text, ADD COLUMN ended_relationships text[] NOT NULL DEFAULT '{}';
      CREATE TABLE account_move (
        id            text PRIMARY KEY,
        id_number     text NOT NULL,
        from_member   text NOT NULL,
        to_member     text,
        to_region     char(6) NOT NULL,
        current_year  bigint,
        accumulated   bigint,
        state         text NOT NULL CHECK (state IN ('WAITING_FOR_MEMBERSHIP', 'MOVING', 'MOVED')),
        created_at    timestamptz NOT NULL DEFAULT now(),
        moved_at      timestamptz,
        CHECK (state = 'WAITING_FOR_MEMBERSHIP' OR to_member IS NOT NULL),
        CHECK (state <> 'MOVED' OR (current_year IS NOT NULL AND accumulated IS NOT NULL))
      );
      CREATE INDEX account_move_unfinished ON account_move (created_at) WHERE state <> 'MOVED';
      ALTER TABLE transfer ADD COLUMN refunded_to_donor bigint NOT NULL DEFAULT 0 CHECK (refunded_to_donor >= 0);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE transfer DROP COLUMN refunded_to_donor;
      DROP TABLE account_move;
      ALTER TABLE ended_membership DROP COLUMN operation_id, DROP COLUMN moved_to_region, DROP COLUMN moved_insurance_type,
        DROP COLUMN ended_relationships;
    `);
  }
}
