import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The kept R23 figures with one trigger per table and change instead of one per set of figures,
 * on the paths of every transfer and settlement (issue 28):
 * - a settlement's aid (migrations AidStatistics by month, AidDayFigures and AidBreakdowns by day)
 *   is worked out once per statement, by day and slice; the month's figures are the day's summed
 *   (a settlement falls in one day and slice), and both are written by one statement. The slice's
 *   keys (category, insurance type) are looked up once per settlement, not once per quota use;
 * - a quota use inserted into a settled settlement, the same;
 * - a transfer's outstanding quota (by month's migration) and its flows (by day's) in one trigger;
 *   a transfer recorded PENDING holds no quota and has no flows, so its insert does nothing.
 * The figures written are the same as before; R20 reconciliation compares them with the counts.
 * The participants' triggers (aid_participant) are left as they are. The earlier trigger functions
 * are kept (unused) so that `down` can put their triggers back.
 */
export class OneFigureTriggerPerChange1733900000001 implements MigrationInterface {
  name = 'OneFigureTriggerPerChange1733900000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ${FUNCTIONS}
      DROP TRIGGER settlement_aid_update ON settlement; DROP TRIGGER settlement_aid_day_update ON settlement;
      DROP TRIGGER quota_use_aid_insert ON quota_use; DROP TRIGGER quota_use_aid_day_insert ON quota_use;
      DROP TRIGGER transfer_quota_insert ON transfer; DROP TRIGGER transfer_quota_update ON transfer;
      DROP TRIGGER transfer_quota_delete ON transfer; DROP TRIGGER transfer_flows_insert ON transfer;
      DROP TRIGGER transfer_flows_update ON transfer; DROP TRIGGER transfer_flows_delete ON transfer;
      ${TRIGGERS}
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TRIGGER settlement_aid ON settlement; DROP TRIGGER quota_use_aid ON quota_use;
      DROP TRIGGER transfer_figures_insert ON transfer; DROP TRIGGER transfer_figures_update ON transfer;
      DROP TRIGGER transfer_figures_delete ON transfer;
      DROP FUNCTION count_settlement_aid, count_quota_use_aid, count_transfer_figures;
      ${EARLIER_TRIGGERS}
    `);
  }
}

/** Adds the rows of \`source\` (keys…, sums…) to the calling session's rows of \`table\`, stamping them. */
const upsert = (table: string, keys: string[], sums: string[], source: string) => `
  INSERT INTO ${table} AS f (backend, ${[...keys, ...sums].join(', ')}) ${source}
  ON CONFLICT (backend, ${keys.join(', ')}) DO UPDATE SET ${sums.map((c) => `${c} = f.${c} + excluded.${c}`).join(', ')},
    written_at = now()`;

const AID_DAY_KEYS = ['day', 'region', 'donor_province', 'category', 'insurance_type'];
const AID_SUMS = ['aid_count', 'aid_amount'];

/** Writes the CTE \`daily\` (day keys, n, amount) to the day's and the month's aid figures, in one statement. */
const addAid = (having: string) => `
  , by_month AS (${upsert(
    'aid_figure',
    ['month', 'region', 'donor_province'],
    AID_SUMS,
    `SELECT pg_backend_pid(), date_trunc('month', d.day::timestamp)::date, d.region, d.donor_province, sum(d.n)::bigint, sum(d.amount)::bigint
     FROM daily d GROUP BY 2, 3, 4 ${having.replaceAll('a.', 'd.')}`,
  )})
  ${upsert('aid_day_figure', AID_DAY_KEYS, AID_SUMS, `SELECT pg_backend_pid(), a.* FROM daily a`)}`;

const SLICE = `beijing_day(s.settled_at) AS day, aid_region(s.kind, s.details, s.beneficiary_id) AS region,
  aid_category(s.kind, s.details) AS category, membership_insurance_type(s.beneficiary_id) AS insurance_type`;

const FUNCTIONS = `
  -- A settlement settled (or a settled one changed): +1 aid and its quota uses by day, slice and
  -- donor province for each new settled row, -1 and its uses for each old one.
  CREATE FUNCTION count_settlement_aid() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM new_rows WHERE state = 'SETTLED') AND NOT EXISTS (SELECT 1 FROM old_rows WHERE state = 'SETTLED') THEN
        RETURN NULL;
      END IF;
      WITH sided AS MATERIALIZED (
        SELECT s.id, 1 AS side, ${SLICE} FROM new_rows s WHERE s.state = 'SETTLED'
        UNION ALL
        SELECT s.id, -1, ${SLICE} FROM old_rows s WHERE s.state = 'SETTLED'
      ), daily AS MATERIALIZED (
        SELECT s.day, s.region, t.donor_province, s.category, s.insurance_type,
               (count(DISTINCT s.id) FILTER (WHERE s.side = 1) - count(DISTINCT s.id) FILTER (WHERE s.side = -1))::bigint AS n,
               sum(s.side * u.amount)::bigint AS amount
        FROM sided s JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
        GROUP BY 1, 2, 3, 4, 5
        HAVING count(DISTINCT s.id) FILTER (WHERE s.side = 1) <> count(DISTINCT s.id) FILTER (WHERE s.side = -1)
            OR sum(s.side * u.amount) <> 0
      ) ${addAid('HAVING sum(a.n) <> 0 OR sum(a.amount) <> 0')};
      RETURN NULL;
    END $$;

  -- Quota uses are recorded before their settlement settles; one added to a settled settlement counts at once.
  CREATE FUNCTION count_quota_use_aid() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      WITH daily AS MATERIALIZED (
        SELECT ${SLICE.replace(' AS region,', ' AS region, t.donor_province,')},
               count(DISTINCT s.id) FILTER (WHERE NOT EXISTS (
                 SELECT 1 FROM quota_use o JOIN transfer ot ON ot.id = o.transfer_id
                 WHERE o.settlement_id = s.id AND ot.donor_province = t.donor_province
                   AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.settlement_id = o.settlement_id AND n.transfer_id = o.transfer_id)))::bigint AS n,
               sum(u.amount)::bigint AS amount
        FROM new_rows u JOIN settlement s ON s.id = u.settlement_id JOIN transfer t ON t.id = u.transfer_id
        WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3, 4, 5
      ) ${addAid('')};
      RETURN NULL;
    END $$;

  -- The quota a transfer still holds (by donor's region) and its flows (set, returned; by day).
  CREATE FUNCTION count_transfer_figures() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM new_rows WHERE state <> 'PENDING') THEN RETURN NULL; END IF;
        PERFORM add_to_quota_figure(q.region, sum(q.v)::bigint)
        FROM (SELECT donor_region(n) AS region, unspent_quota(n) AS v FROM new_rows n) q GROUP BY q.region HAVING sum(q.v) <> 0;
        PERFORM add_to_quota_day_figure(q.day, q.donor_province, sum(q.s)::bigint, sum(q.m)::bigint, sum(q.d)::bigint)
        FROM (SELECT f.day, n.donor_province, f.quota_set AS s, f.returned_unaccepted AS m, f.returned_on_dissolution AS d
              FROM new_rows n, quota_flows(n) f) q
        GROUP BY q.day, q.donor_province HAVING sum(q.s) <> 0 OR sum(q.m) <> 0 OR sum(q.d) <> 0;
      ELSIF TG_OP = 'UPDATE' THEN
        PERFORM add_to_quota_figure(q.region, sum(q.v)::bigint)
        FROM (SELECT donor_region(n) AS region, unspent_quota(n) AS v FROM new_rows n
              UNION ALL SELECT donor_region(o), -unspent_quota(o) FROM old_rows o) q GROUP BY q.region HAVING sum(q.v) <> 0;
        -- Most updates only spend (spent, restored): nothing of the flows changes, and this is on the settlement's path.
        IF NOT EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
                       WHERE (n.state, n.amount, n.released, n.returned_at, n.refunded_to_donor, n.committed_at, n.donor_province)
                             IS DISTINCT FROM (o.state, o.amount, o.released, o.returned_at, o.refunded_to_donor, o.committed_at, o.donor_province)) THEN
          RETURN NULL;
        END IF;
        PERFORM add_to_quota_day_figure(q.day, q.donor_province, sum(q.s)::bigint, sum(q.m)::bigint, sum(q.d)::bigint)
        FROM (SELECT f.day, n.donor_province, f.quota_set AS s, f.returned_unaccepted AS m, f.returned_on_dissolution AS d
              FROM new_rows n, quota_flows(n) f
              UNION ALL
              SELECT f.day, o.donor_province, -f.quota_set, -f.returned_unaccepted, -f.returned_on_dissolution FROM old_rows o, quota_flows(o) f
              UNION ALL
              SELECT beijing_day(nullif(current_setting('wallet.refunded_at', true), '')::timestamptz), n.donor_province, 0, 0,
                     n.refunded_to_donor - o.refunded_to_donor
              FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.refunded_to_donor <> o.refunded_to_donor) q
        GROUP BY q.day, q.donor_province HAVING sum(q.s) <> 0 OR sum(q.m) <> 0 OR sum(q.d) <> 0;
      ELSE
        PERFORM add_to_quota_figure(q.region, -sum(q.v)::bigint)
        FROM (SELECT donor_region(o) AS region, unspent_quota(o) AS v FROM old_rows o) q GROUP BY q.region HAVING sum(q.v) <> 0;
        PERFORM add_to_quota_day_figure(q.day, q.donor_province, -sum(q.s)::bigint, -sum(q.m)::bigint, -sum(q.d)::bigint)
        FROM (SELECT f.day, o.donor_province, f.quota_set AS s, f.returned_unaccepted AS m, f.returned_on_dissolution AS d
              FROM old_rows o, quota_flows(o) f) q
        GROUP BY q.day, q.donor_province HAVING sum(q.s) <> 0 OR sum(q.m) <> 0 OR sum(q.d) <> 0;
      END IF;
      RETURN NULL;
    END $$;
`;

const TRIGGERS = `
  CREATE TRIGGER settlement_aid AFTER UPDATE ON settlement REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_settlement_aid();
  CREATE TRIGGER quota_use_aid AFTER INSERT ON quota_use REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_quota_use_aid();
  CREATE TRIGGER transfer_figures_insert AFTER INSERT ON transfer REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_transfer_figures();
  CREATE TRIGGER transfer_figures_update AFTER UPDATE ON transfer REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_transfer_figures();
  CREATE TRIGGER transfer_figures_delete AFTER DELETE ON transfer REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_transfer_figures();
`;

const EARLIER_TRIGGERS = `
  CREATE TRIGGER settlement_aid_update AFTER UPDATE ON settlement REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_settlement_change();
  CREATE TRIGGER settlement_aid_day_update AFTER UPDATE ON settlement REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_settlement_day_change();
  CREATE TRIGGER quota_use_aid_insert AFTER INSERT ON quota_use REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_quota_use_insert();
  CREATE TRIGGER quota_use_aid_day_insert AFTER INSERT ON quota_use REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_quota_use_day_insert();
${['insert', 'update', 'delete']
  .map((op) => {
    const tables =
      op === 'insert'
        ? 'NEW TABLE AS new_rows'
        : op === 'update'
          ? 'OLD TABLE AS old_rows NEW TABLE AS new_rows'
          : 'OLD TABLE AS old_rows';
    return `  CREATE TRIGGER transfer_quota_${op} AFTER ${op.toUpperCase()} ON transfer REFERENCING ${tables}
    FOR EACH STATEMENT EXECUTE FUNCTION count_transfer_change();
  CREATE TRIGGER transfer_flows_${op} AFTER ${op.toUpperCase()} ON transfer REFERENCING ${tables}
    FOR EACH STATEMENT EXECUTE FUNCTION count_transfer_flows();`;
  })
  .join('\n')}
`;
