import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The province's figures (members in force, employees, balances, held) kept as they change, so the
 * national fan-out reads a few rows instead of scanning every member and account.
 *
 * Statement-level triggers add each statement's net change to a row of the backend that ran it
 * (keyed by its process id): two transactions never write the same row, so keeping the figures
 * adds no lock and no deadlock to any write, and the figures commit or roll back with the change.
 * `fold_figure_rows()` folds the rows of backends that have exited into row 0.
 */
export class KeptFigures1732700000000 implements MigrationInterface {
  name = 'KeptFigures1732700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE figure_row (
        backend   int PRIMARY KEY,
        members   bigint NOT NULL DEFAULT 0,
        employees bigint NOT NULL DEFAULT 0,
        balance   bigint NOT NULL DEFAULT 0,
        held      bigint NOT NULL DEFAULT 0
      );
      INSERT INTO figure_row (backend, members, employees, balance, held)
      SELECT 0, m.members, m.employees, a.balance, a.held
      FROM (SELECT count(*) FILTER (WHERE status = 'INSURED') AS members,
                   count(*) FILTER (WHERE status = 'INSURED' AND insurance_type = 'EMPLOYEE') AS employees FROM member) m,
           (SELECT coalesce(sum(balance), 0) AS balance, coalesce(sum(held), 0) AS held FROM account) a;

      CREATE FUNCTION add_to_figures(d_members bigint, d_employees bigint, d_balance bigint, d_held bigint)
      RETURNS void LANGUAGE sql AS $$
        INSERT INTO figure_row AS f (backend, members, employees, balance, held)
        VALUES (pg_backend_pid(), d_members, d_employees, d_balance, d_held)
        ON CONFLICT (backend) DO UPDATE SET members = f.members + excluded.members, employees = f.employees + excluded.employees,
          balance = f.balance + excluded.balance, held = f.held + excluded.held $$;

      CREATE FUNCTION count_member_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE members bigint := 0; employees bigint := 0; m bigint; e bigint;
        BEGIN
          IF TG_OP <> 'DELETE' THEN
            SELECT count(*) FILTER (WHERE status = 'INSURED'), count(*) FILTER (WHERE status = 'INSURED' AND insurance_type = 'EMPLOYEE')
              INTO m, e FROM new_rows;
            members := members + m; employees := employees + e;
          END IF;
          IF TG_OP <> 'INSERT' THEN
            SELECT count(*) FILTER (WHERE status = 'INSURED'), count(*) FILTER (WHERE status = 'INSURED' AND insurance_type = 'EMPLOYEE')
              INTO m, e FROM old_rows;
            members := members - m; employees := employees - e;
          END IF;
          IF members <> 0 OR employees <> 0 THEN PERFORM add_to_figures(members, employees, 0, 0); END IF;
          RETURN NULL;
        END $$;

      CREATE FUNCTION count_account_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE balance bigint := 0; held bigint := 0; b bigint; h bigint;
        BEGIN
          IF TG_OP <> 'DELETE' THEN
            SELECT coalesce(sum(n.balance), 0), coalesce(sum(n.held), 0) INTO b, h FROM new_rows n;
            balance := balance + b; held := held + h;
          END IF;
          IF TG_OP <> 'INSERT' THEN
            SELECT coalesce(sum(o.balance), 0), coalesce(sum(o.held), 0) INTO b, h FROM old_rows o;
            balance := balance - b; held := held - h;
          END IF;
          IF balance <> 0 OR held <> 0 THEN PERFORM add_to_figures(0, 0, balance, held); END IF;
          RETURN NULL;
        END $$;

      CREATE TRIGGER member_figures_insert AFTER INSERT ON member REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION count_member_change();
      CREATE TRIGGER member_figures_update AFTER UPDATE ON member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION count_member_change();
      CREATE TRIGGER member_figures_delete AFTER DELETE ON member REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION count_member_change();
      CREATE TRIGGER account_figures_insert AFTER INSERT ON account REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION count_account_change();
      CREATE TRIGGER account_figures_update AFTER UPDATE ON account REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION count_account_change();
      CREATE TRIGGER account_figures_delete AFTER DELETE ON account REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION count_account_change();

      CREATE FUNCTION fold_figure_rows() RETURNS void LANGUAGE sql AS $$
        WITH gone AS (
          DELETE FROM figure_row WHERE backend <> 0 AND backend NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)
          RETURNING members, employees, balance, held)
        UPDATE figure_row f SET members = f.members + g.members, employees = f.employees + g.employees,
          balance = f.balance + g.balance, held = f.held + g.held
        FROM (SELECT coalesce(sum(members), 0) AS members, coalesce(sum(employees), 0) AS employees,
                     coalesce(sum(balance), 0) AS balance, coalesce(sum(held), 0) AS held FROM gone) g
        WHERE f.backend = 0 $$;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TRIGGER member_figures_insert ON member; DROP TRIGGER member_figures_update ON member;
      DROP TRIGGER member_figures_delete ON member; DROP TRIGGER account_figures_insert ON account;
      DROP TRIGGER account_figures_update ON account; DROP TRIGGER account_figures_delete ON account;
      DROP FUNCTION count_member_change, count_account_change, add_to_figures, fold_figure_rows;
      DROP TABLE figure_row;
    `);
  }
}
