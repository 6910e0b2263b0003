import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * R23 by Beijing day, for the dashboard's periods of days and weeks: aid by day, pooling region
 * where it was spent and donor's province, and wallets activated by day and member's region. Kept
 * as migration AidStatistics keeps the monthly figures (statement-level triggers adding to rows of
 * the session that ran the statement; `fold_day_statistics_rows()` folds ended sessions' rows),
 * counted from the tables by the `*_day_counted` views, and compared with them by R20.
 * A refund's quota part is taken back on the day it is refunded, as the monthly figures do.
 */
export class AidDayFigures1733500000000 implements MigrationInterface {
  name = 'AidDayFigures1733500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION beijing_day(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT ((t AT TIME ZONE 'UTC') + interval '8 hours')::date $$;

      CREATE TABLE aid_day_figure (
        backend        int NOT NULL,
        day            date NOT NULL,
        region         char(6) NOT NULL,
        donor_province text NOT NULL,
        aid_count      bigint NOT NULL DEFAULT 0,
        aid_amount     bigint NOT NULL DEFAULT 0,
        written_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (backend, day, region, donor_province)
      );
      CREATE TABLE wallet_day_figure (
        backend    int NOT NULL,
        day        date NOT NULL,
        region     char(6) NOT NULL,
        activated  bigint NOT NULL DEFAULT 0,
        written_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (backend, day, region)
      );
      ${COUNTED_VIEWS}
      INSERT INTO aid_day_figure (backend, day, region, donor_province, aid_count, aid_amount)
        SELECT 0, day, region, donor_province, aid_count, aid_amount FROM aid_day_counted;
      INSERT INTO wallet_day_figure (backend, day, region, activated) SELECT 0, day, region, activated FROM wallet_day_counted;
      ${adder('aid_day_figure', { day: 'date', region: 'char(6)', donor_province: 'text' }, ['aid_count', 'aid_amount'])}
      ${adder('wallet_day_figure', { day: 'date', region: 'char(6)' }, ['activated'])}
      ${KEEPING_FUNCTIONS}
      ${TRIGGERS}
      CREATE FUNCTION fold_day_statistics_rows() RETURNS void LANGUAGE sql AS $$
        ${folder('aid_day_figure', ['day', 'region', 'donor_province'], ['aid_count', 'aid_amount'])};
        ${folder('wallet_day_figure', ['day', 'region'], ['activated'])} $$;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TRIGGER settlement_aid_day_update ON settlement;
      DROP TRIGGER quota_use_aid_day_insert ON quota_use; DROP TRIGGER quota_use_aid_day_update ON quota_use;
      DROP TRIGGER wallet_day_figures_insert ON wallet; DROP TRIGGER wallet_day_figures_update ON wallet;
      DROP TRIGGER wallet_day_figures_delete ON wallet;
      DROP FUNCTION fold_day_statistics_rows, count_settlement_day_change, count_quota_use_day_insert, count_quota_use_day_update,
        count_wallet_day_change, add_to_aid_day_figure, add_to_wallet_day_figure;
      DROP VIEW aid_day_counted, wallet_day_counted;
      DROP TABLE aid_day_figure, wallet_day_figure;
      DROP FUNCTION beijing_day;
    `);
  }
}

/** As aid_counted and wallet_counted of migration AidStatistics, by day. */
const COUNTED_VIEWS = `
  CREATE VIEW aid_day_counted AS
  WITH refund_cross AS (
    SELECT c.operation_id, c.debtor_province, -sum(c.amount) AS amount
    FROM clearing_entry c JOIN refund r ON r.id = c.operation_id GROUP BY c.operation_id, c.debtor_province
  ), refund_parts AS (
    SELECT r.created_at, r.settlement_id, x.debtor_province AS donor_province, x.amount
    FROM refund r JOIN refund_cross x ON x.operation_id = r.id
    UNION ALL
    SELECT r.created_at, r.settlement_id, s.spending_province, r.quota_part - coalesce(x.amount, 0)
    FROM refund r JOIN settlement s ON s.id = r.settlement_id
      LEFT JOIN (SELECT operation_id, sum(amount) AS amount FROM refund_cross GROUP BY operation_id) x ON x.operation_id = r.id
    WHERE r.quota_part > 0
  ), parts AS (
    SELECT beijing_day(s.settled_at) AS day, aid_region(s.kind, s.details, s.beneficiary_id) AS region, t.donor_province,
           count(DISTINCT s.id) AS aid_count, sum(u.amount) AS aid_amount
    FROM settlement s JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
    WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3
    UNION ALL
    SELECT beijing_day(p.created_at), aid_region(s.kind, s.details, s.beneficiary_id), p.donor_province, 0, -sum(p.amount)
    FROM refund_parts p JOIN settlement s ON s.id = p.settlement_id GROUP BY 1, 2, 3
  )
  SELECT day, region, donor_province, sum(aid_count)::bigint AS aid_count, sum(aid_amount)::bigint AS aid_amount
  FROM parts GROUP BY day, region, donor_province HAVING sum(aid_count) <> 0 OR sum(aid_amount) <> 0;

  CREATE VIEW wallet_day_counted AS
  SELECT beijing_day(activated_at) AS day, left(member_id, 6)::char(6) AS region, count(*)::bigint AS activated
  FROM wallet WHERE carried_from IS NULL GROUP BY 1, 2;
`;

function adder(table: string, keys: Record<string, string>, sums: string[]): string {
  const columns = [...Object.keys(keys), ...sums];
  const parameters = [...Object.values(keys), ...sums.map(() => 'bigint')];
  return `CREATE FUNCTION add_to_${table}(${parameters.join(', ')}) RETURNS void LANGUAGE sql AS $$
    INSERT INTO ${table} AS f (backend, ${columns.join(', ')}) VALUES (pg_backend_pid(), ${columns.map((_, i) => `$${i + 1}`).join(', ')})
    ON CONFLICT (backend, ${Object.keys(keys).join(', ')}) DO UPDATE SET ${sums.map((c) => `${c} = f.${c} + excluded.${c}`).join(', ')},
      written_at = now() $$;`;
}

function folder(table: string, keys: string[], sums: string[]): string {
  return `
    WITH gone AS (
      DELETE FROM ${table} WHERE backend <> 0 AND backend NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)
      RETURNING ${[...keys, ...sums].join(', ')})
    INSERT INTO ${table} AS f (backend, ${[...keys, ...sums].join(', ')})
    SELECT 0, ${keys.join(', ')}, ${sums.map((c) => `sum(${c})`).join(', ')} FROM gone GROUP BY ${keys.join(', ')}
    ON CONFLICT (backend, ${keys.join(', ')}) DO UPDATE SET ${sums.map((c) => `${c} = f.${c} + excluded.${c}`).join(', ')};
    DELETE FROM ${table} WHERE backend = 0 AND ${sums.map((c) => `${c} = 0`).join(' AND ')}`;
}

const KEEPING_FUNCTIONS = `
  CREATE FUNCTION count_settlement_day_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM add_to_aid_day_figure(a.day, a.region, a.donor_province, sum(a.n)::bigint, sum(a.amount)::bigint)
      FROM (SELECT beijing_day(s.settled_at) AS day, aid_region(s.kind, s.details, s.beneficiary_id) AS region, t.donor_province,
                   count(DISTINCT s.id) AS n, sum(u.amount) AS amount
            FROM new_rows s JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
            WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3
            UNION ALL
            SELECT beijing_day(s.settled_at), aid_region(s.kind, s.details, s.beneficiary_id), t.donor_province,
                   -count(DISTINCT s.id), -sum(u.amount)
            FROM old_rows s JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
            WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3) a
      GROUP BY a.day, a.region, a.donor_province HAVING sum(a.n) <> 0 OR sum(a.amount) <> 0;
      RETURN NULL;
    END $$;

  CREATE FUNCTION count_quota_use_day_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM add_to_aid_day_figure(a.day, a.region, a.donor_province, a.n, a.amount)
      FROM (SELECT beijing_day(s.settled_at) AS day, aid_region(s.kind, s.details, s.beneficiary_id) AS region, t.donor_province,
                   count(DISTINCT s.id) FILTER (WHERE NOT EXISTS (
                     SELECT 1 FROM quota_use o JOIN transfer ot ON ot.id = o.transfer_id
                     WHERE o.settlement_id = s.id AND ot.donor_province = t.donor_province
                       AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.settlement_id = o.settlement_id AND n.transfer_id = o.transfer_id)))::bigint AS n,
                   sum(u.amount)::bigint AS amount
            FROM new_rows u JOIN settlement s ON s.id = u.settlement_id JOIN transfer t ON t.id = u.transfer_id
            WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3) a;
      RETURN NULL;
    END $$;

  CREATE FUNCTION count_quota_use_day_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM add_to_aid_day_figure(a.day, a.region, a.donor_province, 0, sum(a.amount)::bigint)
      FROM (SELECT beijing_day(nullif(current_setting('wallet.refunded_at', true), '')::timestamptz) AS day, aid_region(s.kind, s.details, s.beneficiary_id) AS region, t.donor_province,
                   o.refunded - n.refunded AS amount
            FROM new_rows n JOIN old_rows o ON o.settlement_id = n.settlement_id AND o.transfer_id = n.transfer_id
              JOIN settlement s ON s.id = n.settlement_id JOIN transfer t ON t.id = n.transfer_id
            WHERE n.refunded <> o.refunded
            UNION ALL
            SELECT beijing_day(s.settled_at), aid_region(s.kind, s.details, s.beneficiary_id), t.donor_province, n.amount - o.amount
            FROM new_rows n JOIN old_rows o ON o.settlement_id = n.settlement_id AND o.transfer_id = n.transfer_id
              JOIN settlement s ON s.id = n.settlement_id JOIN transfer t ON t.id = n.transfer_id
            WHERE n.amount <> o.amount AND s.state = 'SETTLED') a
      GROUP BY a.day, a.region, a.donor_province HAVING sum(a.amount) <> 0;
      RETURN NULL;
    END $$;

  CREATE FUNCTION count_wallet_day_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM add_to_wallet_day_figure(w.day, w.region, sum(w.n)::bigint)
        FROM (SELECT beijing_day(n.activated_at) AS day, left(n.member_id, 6)::char(6) AS region, wallet_activations(n) AS n FROM new_rows n) w
        GROUP BY w.day, w.region HAVING sum(w.n) <> 0;
      END IF;
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM add_to_wallet_day_figure(w.day, w.region, -sum(w.n)::bigint)
        FROM (SELECT beijing_day(o.activated_at) AS day, left(o.member_id, 6)::char(6) AS region, wallet_activations(o) AS n FROM old_rows o) w
        GROUP BY w.day, w.region HAVING sum(w.n) <> 0;
      END IF;
      RETURN NULL;
    END $$;
`;

const TRIGGERS = `
  CREATE TRIGGER settlement_aid_day_update AFTER UPDATE ON settlement REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_settlement_day_change();
  CREATE TRIGGER quota_use_aid_day_insert AFTER INSERT ON quota_use REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_quota_use_day_insert();
  CREATE TRIGGER quota_use_aid_day_update AFTER UPDATE ON quota_use REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_quota_use_day_update();
  CREATE TRIGGER wallet_day_figures_insert AFTER INSERT ON wallet REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_wallet_day_change();
  CREATE TRIGGER wallet_day_figures_update AFTER UPDATE ON wallet REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_wallet_day_change();
  CREATE TRIGGER wallet_day_figures_delete AFTER DELETE ON wallet REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_wallet_day_change();
`;
