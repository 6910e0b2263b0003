import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When each kept figure row was last written, so that an operator can see whether folding keeps
 * up: the rows of database sessions that have ended wait to be folded (every minute), and the
 * age of the oldest of them is the fold lag (`wallet_kept_figures_fold_lag_seconds`).
 */
export class FigureRowAge1733217000000 implements MigrationInterface {
  name = 'FigureRowAge1733217000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE figure_row ADD COLUMN written_at timestamptz NOT NULL DEFAULT now();
      ${adder(true)}
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`${adder(false)} ALTER TABLE figure_row DROP COLUMN written_at;`);
  }
}

const adder = (stamped: boolean) => `
  CREATE OR REPLACE FUNCTION add_to_figures(d_members bigint, d_employees bigint, d_balance bigint, d_held bigint)
  RETURNS void LANGUAGE sql AS $$
    INSERT INTO figure_row AS f (backend, members, employees, balance, held)
    VALUES (pg_backend_pid(), d_members, d_employees, d_balance, d_held)
    ON CONFLICT (backend) DO UPDATE SET members = f.members + excluded.members, employees = f.employees + excluded.employees,
      balance = f.balance + excluded.balance, held = f.held + excluded.held${stamped ? ', written_at = now()' : ''} $$;`;
