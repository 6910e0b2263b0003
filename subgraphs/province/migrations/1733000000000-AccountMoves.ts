import type { MigrationInterface, QueryRunner } from 'typeorm';

/** R31: a moved account's entries (TRANSFER_OUT, TRANSFER_IN) name the other membership. */
export class AccountMoves1733000000000 implements MigrationInterface {
  name = 'AccountMoves1733000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE account_entry ADD COLUMN counterpart text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE account_entry DROP COLUMN counterpart`);
  }
}
