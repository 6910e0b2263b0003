import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * R23: the national dashboard's figures, kept as settlements, refunds, transfers and wallets change
 * (what they mean: graphql/aid-statistics.types.ts and the README), so a read sums a few hundred
 * rows instead of scanning every settlement.
 *
 * As the provinces keep theirs (province KeptFigures), statement-level triggers add each
 * statement's net change to rows of the database session that ran it (keyed by its process id):
 * two transactions never write the same row, so keeping the figures adds no lock to any money
 * path, and the figures commit or roll back with the change. `fold_statistics_rows()` folds the
 * rows of sessions that have ended into session 0.
 *
 * The `*_counted` views count the same figures from the tables themselves, independently of the
 * triggers' bookkeeping: the initial figures come from them, and R20 reconciliation compares.
 */
export class AidStatistics1733100000000 implements MigrationInterface {
  name = 'AidStatistics1733100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      -- Months are Beijing months (UTC+8 all year).
      CREATE FUNCTION beijing_month(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT date_trunc('month', (t AT TIME ZONE 'UTC') + interval '8 hours')::date $$;

      -- Where a settlement's quota was spent: the institution's region, a premium's beneficiary's region.
      CREATE FUNCTION aid_region(kind text, details jsonb, beneficiary_id text) RETURNS char(6) LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT CASE WHEN kind = 'EXPENSE' THEN coalesce(details->>'institutionRegion', left(beneficiary_id, 6))
                          ELSE left(beneficiary_id, 6) END $$;

      ALTER TABLE wallet ADD COLUMN carried_from text;

      CREATE TABLE aid_figure (
        backend        int NOT NULL,
        month          date NOT NULL,
        region         char(6) NOT NULL,
        donor_province text NOT NULL,
        aid_count      bigint NOT NULL DEFAULT 0,
        aid_amount     bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (backend, month, region, donor_province)
      );
      CREATE TABLE wallet_figure (
        backend   int NOT NULL,
        month     date NOT NULL,
        region    char(6) NOT NULL,
        activated bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (backend, month, region)
      );
      CREATE TABLE quota_figure (
        backend     int NOT NULL,
        region      char(6) NOT NULL,
        outstanding bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (backend, region)
      );

      ${COUNTED_VIEWS}
      ${MARK_CARRIED_WALLETS}

      INSERT INTO aid_figure (backend, month, region, donor_province, aid_count, aid_amount)
        SELECT 0, month, region, donor_province, aid_count, aid_amount FROM aid_counted;
      INSERT INTO wallet_figure (backend, month, region, activated) SELECT 0, month, region, activated FROM wallet_counted;
      INSERT INTO quota_figure (backend, region, outstanding) SELECT 0, region, outstanding FROM quota_counted;

      ${KEEPING_FUNCTIONS}
      ${TRIGGERS}
      ${FOLDING}
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TRIGGER settlement_aid_update ON settlement;
      DROP TRIGGER quota_use_aid_insert ON quota_use; DROP TRIGGER quota_use_aid_update ON quota_use;
      DROP TRIGGER transfer_quota_insert ON transfer; DROP TRIGGER transfer_quota_update ON transfer;
      DROP TRIGGER transfer_quota_delete ON transfer;
      DROP TRIGGER wallet_carried_over ON wallet; DROP TRIGGER wallet_figures_insert ON wallet;
      DROP TRIGGER wallet_figures_update ON wallet; DROP TRIGGER wallet_figures_delete ON wallet;
      DROP FUNCTION fold_statistics_rows, count_settlement_change, count_quota_use_insert, count_quota_use_update,
        count_transfer_change, count_wallet_change, mark_carried_wallet, unspent_quota, donor_region,
        wallet_activations, add_to_aid_figure, add_to_wallet_figure, add_to_quota_figure;
      DROP VIEW aid_counted, wallet_counted, quota_counted;
      DROP TABLE aid_figure, wallet_figure, quota_figure;
      ALTER TABLE wallet DROP COLUMN carried_from;
      DROP FUNCTION aid_region, beijing_month;
    `);
  }
}

/**
 * The figures counted from the tables. Aid: every settled settlement's quota uses, by the donor's
 * province (one count per settlement and donor province); refunds take their quota part back in
 * the month of the refund, the cross-province parts as their clearing entries (R22) say, the rest
 * within the province.
 */
const COUNTED_VIEWS = `
  CREATE VIEW aid_counted AS
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
    SELECT beijing_month(s.settled_at) AS month, aid_region(s.kind, s.details, s.beneficiary_id) AS region, t.donor_province,
           count(DISTINCT s.id) AS aid_count, sum(u.amount) AS aid_amount
    FROM settlement s JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
    WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3
    UNION ALL
    SELECT beijing_month(p.created_at), aid_region(s.kind, s.details, s.beneficiary_id), p.donor_province, 0, -sum(p.amount)
    FROM refund_parts p JOIN settlement s ON s.id = p.settlement_id GROUP BY 1, 2, 3
  )
  SELECT month, region, donor_province, sum(aid_count)::bigint AS aid_count, sum(aid_amount)::bigint AS aid_amount
  FROM parts GROUP BY month, region, donor_province HAVING sum(aid_count) <> 0 OR sum(aid_amount) <> 0;

  -- A wallet carried over to a new membership by a move (R26) is not activated again.
  CREATE VIEW wallet_counted AS
  SELECT beijing_month(activated_at) AS month, left(member_id, 6)::char(6) AS region, count(*)::bigint AS activated
  FROM wallet WHERE carried_from IS NULL GROUP BY 1, 2;

  -- Quota set and not yet spent or given back: still held in the donor's account.
  CREATE VIEW quota_counted AS
  SELECT left(coalesce(t.donor_id, r.donor_id), 6)::char(6) AS region,
         sum(t.amount - t.spent + t.restored - t.released)::bigint AS outstanding
  FROM transfer t JOIN relationship r ON r.id = t.relationship_id
  WHERE t.state = 'COMMITTED' GROUP BY 1 HAVING sum(t.amount - t.spent + t.restored - t.released) <> 0;
`;

/**
 * A move (R26) inserts the wallet again for the new membership with its first activation time:
 * such a row names the membership it came from. Existing rows are marked by the same test: an
 * earlier membership of the same person whose wallet has the same activation time.
 */
const MARK_CARRIED_WALLETS = `
  CREATE FUNCTION mark_carried_wallet() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.carried_from IS NULL THEN
        NEW.carried_from := (
          SELECT w.member_id FROM person p JOIN ended_membership e ON e.id_number = p.id_number
            JOIN wallet w ON w.member_id = e.member_id
          WHERE p.member_id = NEW.member_id AND w.activated_at = NEW.activated_at AND w.member_id <> NEW.member_id
          ORDER BY e.ended_at LIMIT 1);
      END IF;
      RETURN NEW;
    END $$;
  CREATE TRIGGER wallet_carried_over BEFORE INSERT ON wallet FOR EACH ROW EXECUTE FUNCTION mark_carried_wallet();

  WITH membership AS (
    SELECT member_id, id_number, ended_at FROM ended_membership
    UNION ALL
    SELECT member_id, id_number, 'infinity'::timestamptz FROM person
    WHERE member_id IS NOT NULL AND member_id NOT IN (SELECT member_id FROM ended_membership)
  )
  UPDATE wallet w SET carried_from = (
    SELECT ew.member_id FROM membership m JOIN membership em ON em.id_number = m.id_number AND em.ended_at < m.ended_at
      JOIN wallet ew ON ew.member_id = em.member_id AND ew.activated_at = w.activated_at
    WHERE m.member_id = w.member_id ORDER BY em.ended_at LIMIT 1);
`;

/** `add_to_<table>(keys…, sums…)`: adds to the calling session's own row; never two sessions on one row. */
function adder(table: string, keys: Record<string, string>, sums: string[]): string {
  const columns = [...Object.keys(keys), ...sums];
  const parameters = [...Object.values(keys), ...sums.map(() => 'bigint')];
  return `CREATE FUNCTION add_to_${table}(${parameters.join(', ')}) RETURNS void LANGUAGE sql AS $$
    INSERT INTO ${table} AS f (backend, ${columns.join(', ')}) VALUES (pg_backend_pid(), ${columns.map((_, i) => `$${i + 1}`).join(', ')})
    ON CONFLICT (backend, ${Object.keys(keys).join(', ')}) DO UPDATE SET ${sums.map((c) => `${c} = f.${c} + excluded.${c}`).join(', ')} $$;`;
}

/** Folds the rows of sessions that have ended into session 0's, and drops rows of session 0 that came to nothing. */
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
  ${adder('aid_figure', { month: 'date', region: 'char(6)', donor_province: 'text' }, ['aid_count', 'aid_amount'])}
  ${adder('wallet_figure', { month: 'date', region: 'char(6)' }, ['activated'])}
  ${adder('quota_figure', { region: 'char(6)' }, ['outstanding'])}

  CREATE FUNCTION unspent_quota(t transfer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN t.state = 'COMMITTED' THEN t.amount - t.spent + t.restored - t.released ELSE 0 END $$;
  CREATE FUNCTION donor_region(t transfer) RETURNS char(6) LANGUAGE sql STABLE AS $$
    SELECT left(coalesce(t.donor_id, (SELECT r.donor_id FROM relationship r WHERE r.id = t.relationship_id)), 6) $$;
  CREATE FUNCTION wallet_activations(w wallet) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN w.carried_from IS NULL THEN 1 ELSE 0 END::bigint $$;

  -- A settled settlement's aid, by donor province: one count and the quota it used. Joins, not a
  -- function per row, so that a statement settling many settlements at once stays one hash join.
  CREATE FUNCTION count_settlement_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM add_to_aid_figure(a.month, a.region, a.donor_province, sum(a.n)::bigint, sum(a.amount)::bigint)
      FROM (SELECT beijing_month(s.settled_at) AS month, aid_region(s.kind, s.details, s.beneficiary_id) AS region, t.donor_province,
                   count(DISTINCT s.id) AS n, sum(u.amount) AS amount
            FROM new_rows s JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
            WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3
            UNION ALL
            SELECT beijing_month(s.settled_at), aid_region(s.kind, s.details, s.beneficiary_id), t.donor_province,
                   -count(DISTINCT s.id), -sum(u.amount)
            FROM old_rows s JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
            WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3) a
      GROUP BY a.month, a.region, a.donor_province HAVING sum(a.n) <> 0 OR sum(a.amount) <> 0;
      RETURN NULL;
    END $$;

  -- Quota uses are recorded before their settlement settles; one added to a settled settlement counts at once.
  CREATE FUNCTION count_quota_use_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM add_to_aid_figure(a.month, a.region, a.donor_province, a.n, a.amount)
      FROM (SELECT beijing_month(s.settled_at) AS month, aid_region(s.kind, s.details, s.beneficiary_id) AS region, t.donor_province,
                   count(DISTINCT s.id) FILTER (WHERE NOT EXISTS (
                     SELECT 1 FROM quota_use o JOIN transfer ot ON ot.id = o.transfer_id
                     WHERE o.settlement_id = s.id AND ot.donor_province = t.donor_province
                       AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.settlement_id = o.settlement_id AND n.transfer_id = o.transfer_id)))::bigint AS n,
                   sum(u.amount)::bigint AS amount
            FROM new_rows u JOIN settlement s ON s.id = u.settlement_id JOIN transfer t ON t.id = u.transfer_id
            WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3) a;
      RETURN NULL;
    END $$;

  -- A refund's quota part is taken back in the month it is refunded (as its clearing entries are).
  CREATE FUNCTION count_quota_use_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM add_to_aid_figure(a.month, a.region, a.donor_province, 0, sum(a.amount)::bigint)
      FROM (SELECT beijing_month(now()) AS month, aid_region(s.kind, s.details, s.beneficiary_id) AS region, t.donor_province,
                   o.refunded - n.refunded AS amount
            FROM new_rows n JOIN old_rows o ON o.settlement_id = n.settlement_id AND o.transfer_id = n.transfer_id
              JOIN settlement s ON s.id = n.settlement_id JOIN transfer t ON t.id = n.transfer_id
            WHERE n.refunded <> o.refunded
            UNION ALL
            SELECT beijing_month(s.settled_at), aid_region(s.kind, s.details, s.beneficiary_id), t.donor_province, n.amount - o.amount
            FROM new_rows n JOIN old_rows o ON o.settlement_id = n.settlement_id AND o.transfer_id = n.transfer_id
              JOIN settlement s ON s.id = n.settlement_id JOIN transfer t ON t.id = n.transfer_id
            WHERE n.amount <> o.amount AND s.state = 'SETTLED') a
      GROUP BY a.month, a.region, a.donor_province HAVING sum(a.amount) <> 0;
      RETURN NULL;
    END $$;

  CREATE FUNCTION count_transfer_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM add_to_quota_figure(q.region, sum(q.v)::bigint)
        FROM (SELECT donor_region(n) AS region, unspent_quota(n) AS v FROM new_rows n) q GROUP BY q.region HAVING sum(q.v) <> 0;
      ELSIF TG_OP = 'UPDATE' THEN
        PERFORM add_to_quota_figure(q.region, sum(q.v)::bigint)
        FROM (SELECT donor_region(n) AS region, unspent_quota(n) AS v FROM new_rows n
              UNION ALL SELECT donor_region(o), -unspent_quota(o) FROM old_rows o) q GROUP BY q.region HAVING sum(q.v) <> 0;
      ELSE
        PERFORM add_to_quota_figure(q.region, -sum(q.v)::bigint)
        FROM (SELECT donor_region(o) AS region, unspent_quota(o) AS v FROM old_rows o) q GROUP BY q.region HAVING sum(q.v) <> 0;
      END IF;
      RETURN NULL;
    END $$;

  CREATE FUNCTION count_wallet_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM add_to_wallet_figure(w.month, w.region, sum(w.n)::bigint)
        FROM (SELECT beijing_month(n.activated_at) AS month, left(n.member_id, 6)::char(6) AS region, wallet_activations(n) AS n
              FROM new_rows n) w GROUP BY w.month, w.region HAVING sum(w.n) <> 0;
      ELSIF TG_OP = 'UPDATE' THEN
        PERFORM add_to_wallet_figure(w.month, w.region, sum(w.n)::bigint)
        FROM (SELECT beijing_month(n.activated_at) AS month, left(n.member_id, 6)::char(6) AS region, wallet_activations(n) AS n
              FROM new_rows n
              UNION ALL
              SELECT beijing_month(o.activated_at), left(o.member_id, 6)::char(6), -wallet_activations(o) FROM old_rows o) w
        GROUP BY w.month, w.region HAVING sum(w.n) <> 0;
      ELSE
        PERFORM add_to_wallet_figure(w.month, w.region, -sum(w.n)::bigint)
        FROM (SELECT beijing_month(o.activated_at) AS month, left(o.member_id, 6)::char(6) AS region, wallet_activations(o) AS n
              FROM old_rows o) w GROUP BY w.month, w.region HAVING sum(w.n) <> 0;
      END IF;
      RETURN NULL;
    END $$;
`;

/** Settlements, quota uses and refunds are never deleted (records are append-only). */
const TRIGGERS = `
  CREATE TRIGGER settlement_aid_update AFTER UPDATE ON settlement REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_settlement_change();
  CREATE TRIGGER quota_use_aid_insert AFTER INSERT ON quota_use REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_quota_use_insert();
  CREATE TRIGGER quota_use_aid_update AFTER UPDATE ON quota_use REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_quota_use_update();
  CREATE TRIGGER transfer_quota_insert AFTER INSERT ON transfer REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_transfer_change();
  CREATE TRIGGER transfer_quota_update AFTER UPDATE ON transfer REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_transfer_change();
  CREATE TRIGGER transfer_quota_delete AFTER DELETE ON transfer REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_transfer_change();
  CREATE TRIGGER wallet_figures_insert AFTER INSERT ON wallet REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_wallet_change();
  CREATE TRIGGER wallet_figures_update AFTER UPDATE ON wallet REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_wallet_change();
  CREATE TRIGGER wallet_figures_delete AFTER DELETE ON wallet REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_wallet_change();
`;

const FOLDING = `
  CREATE FUNCTION fold_statistics_rows() RETURNS void LANGUAGE sql AS $$
    ${folder('aid_figure', ['month', 'region', 'donor_province'], ['aid_count', 'aid_amount'])};
    ${folder('wallet_figure', ['month', 'region'], ['activated'])};
    ${folder('quota_figure', ['region'], ['outstanding'])} $$;
`;
