import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Wallet events (events/wallet-events.ts): one row per member told, written in the statement of the
 * change. Ordered by (tx, id), the writing transaction then the row; no foreign keys and no trigger,
 * so writing one costs the money paths one index entry or two and nothing else.
 */
export class WalletEvents1733300000000 implements MigrationInterface {
  name = 'WalletEvents1733300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE wallet_event (
        tx               xid8 NOT NULL DEFAULT pg_current_xact_id(),
        id               bigserial,
        member_id        text NOT NULL,
        kind             text NOT NULL,
        relationship_id  text,
        transfer_id      text,
        settlement_id    text,
        refund_id        text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tx, id)
      );
      CREATE INDEX wallet_event_of_member ON wallet_event (member_id, tx, id);
      -- Pruning by age: rows arrive in time order, so a block range index is enough and costs the writers next to nothing.
      CREATE INDEX wallet_event_age ON wallet_event USING brin (created_at);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE wallet_event;`);
  }
}
