import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  adder,
  COUNTED_VIEWS as DAY_COUNTED_VIEWS,
  folder,
  KEEPING_FUNCTIONS as DAY_KEEPING_FUNCTIONS,
} from './1733500000000-AidDayFigures';

/**
 * R23's breakdowns, kept as migration AidDayFigures keeps the daily figures (statement-level
 * triggers adding to rows of the session that ran the statement, folded by
 * `fold_day_statistics_rows()`), counted from the tables by `*_counted` views and compared by R20:
 * - the daily aid gains two keys, its category (outpatient, inpatient, pharmacy, premium) and the
 *   beneficiary's insurance type, so the statistics can be filtered by them;
 * - families (relationships) established, i.e. consented (R27), and ended, by day and donor's region:
 *   in force = established − ended, to date;
 * - quota flows by day and donor's province: set (committed), returned at 06:00 (R25, not accepted)
 *   and returned because the relationship ended (R18/R26: the hold released, and the quota part of
 *   a refund made after the end, which goes to the donor's account, R19). Spent is the daily aid by
 *   donor's province (net of refunds), so set − spent − returned = outstanding;
 * - who took part: a set (not a sum) of (day, region, donor's province, category, insurance type,
 *   role, member), so distinct donors and beneficiaries of any period are counted from an indexed
 *   table. Sums cannot be added up into distinct counts; this set holds at most one row per member
 *   a day and slice, and only grows (a refund counts no aid, and takes nobody out).
 */
export class AidBreakdowns1733600000000 implements MigrationInterface {
  name = 'AidBreakdowns1733600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ${FUNCTIONS}
      DROP VIEW aid_day_counted;
      ${COUNTED_VIEWS}
      ALTER TABLE aid_day_figure ADD COLUMN category text NOT NULL DEFAULT 'OTHER', ADD COLUMN insurance_type text NOT NULL DEFAULT 'UNKNOWN';
      ALTER TABLE aid_day_figure DROP CONSTRAINT aid_day_figure_pkey,
        ADD PRIMARY KEY (backend, day, region, donor_province, category, insurance_type);
      DELETE FROM aid_day_figure;
      INSERT INTO aid_day_figure (backend, day, region, donor_province, category, insurance_type, aid_count, aid_amount)
        SELECT 0, day, region, donor_province, category, insurance_type, aid_count, aid_amount FROM aid_day_counted;
      DROP FUNCTION add_to_aid_day_figure(date, char, text, bigint, bigint);
      ${adder('aid_day_figure', AID_KEYS, ['aid_count', 'aid_amount'])}

      CREATE TABLE family_day_figure (
        backend     int NOT NULL,
        day         date NOT NULL,
        region      char(6) NOT NULL,
        established bigint NOT NULL DEFAULT 0,
        ended       bigint NOT NULL DEFAULT 0,
        written_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (backend, day, region)
      );
      CREATE TABLE quota_day_figure (
        backend                 int NOT NULL,
        day                     date NOT NULL,
        donor_province          text NOT NULL,
        quota_set               bigint NOT NULL DEFAULT 0,
        returned_unaccepted     bigint NOT NULL DEFAULT 0,
        returned_on_dissolution bigint NOT NULL DEFAULT 0,
        written_at              timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (backend, day, donor_province)
      );
      CREATE TABLE aid_participant (
        day            date NOT NULL,
        region         char(6) NOT NULL,
        donor_province text NOT NULL,
        category       text NOT NULL,
        insurance_type text NOT NULL,
        role           text NOT NULL CHECK (role IN ('DONOR', 'BENEFICIARY')),
        member_id      text NOT NULL,
        PRIMARY KEY (day, region, donor_province, category, insurance_type, role, member_id)
      );
      INSERT INTO family_day_figure (backend, day, region, established, ended) SELECT 0, day, region, established, ended FROM family_day_counted;
      INSERT INTO quota_day_figure (backend, day, donor_province, quota_set, returned_unaccepted, returned_on_dissolution)
        SELECT 0, day, donor_province, quota_set, returned_unaccepted, returned_on_dissolution FROM quota_day_counted;
      INSERT INTO aid_participant SELECT * FROM aid_participant_counted;
      ${adder('family_day_figure', { day: 'date', region: 'char(6)' }, ['established', 'ended'])}
      ${adder('quota_day_figure', { day: 'date', donor_province: 'text' }, QUOTA_SUMS)}
      ${KEEPING_FUNCTIONS}
      ${TRIGGERS}
      CREATE OR REPLACE FUNCTION fold_day_statistics_rows() RETURNS void LANGUAGE sql AS $$
        ${folder('aid_day_figure', Object.keys(AID_KEYS), ['aid_count', 'aid_amount'])};
        ${folder('wallet_day_figure', ['day', 'region'], ['activated'])};
        ${folder('family_day_figure', ['day', 'region'], ['established', 'ended'])};
        ${folder('quota_day_figure', ['day', 'donor_province'], QUOTA_SUMS)} $$;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    const orReplace = (sql: string) =>
      sql
        .replaceAll('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION')
        .replaceAll('CREATE VIEW', 'CREATE OR REPLACE VIEW');
    await db.query(`
      DROP TRIGGER settlement_participants ON settlement; DROP TRIGGER quota_use_participants ON quota_use;
      DROP TRIGGER relationship_families_insert ON relationship; DROP TRIGGER relationship_families_update ON relationship;
      DROP TRIGGER transfer_flows_insert ON transfer; DROP TRIGGER transfer_flows_update ON transfer; DROP TRIGGER transfer_flows_delete ON transfer;
      DROP FUNCTION count_settlement_participants, count_quota_use_participants, count_relationship_change, count_transfer_flows,
        add_to_family_day_figure, add_to_quota_day_figure;
      DROP VIEW family_day_counted, quota_day_counted, aid_participant_counted, aid_day_counted;
      DROP TABLE family_day_figure, quota_day_figure, aid_participant;
      DROP FUNCTION add_to_aid_day_figure(date, char, text, text, text, bigint, bigint), quota_flows, aid_category, membership_insurance_type;
      CREATE TEMP TABLE aid_day_before AS SELECT backend, day, region, donor_province, sum(aid_count) AS aid_count, sum(aid_amount) AS aid_amount
        FROM aid_day_figure GROUP BY 1, 2, 3, 4;
      DELETE FROM aid_day_figure;
      ALTER TABLE aid_day_figure DROP CONSTRAINT aid_day_figure_pkey, DROP COLUMN category, DROP COLUMN insurance_type,
        ADD PRIMARY KEY (backend, day, region, donor_province);
      INSERT INTO aid_day_figure (backend, day, region, donor_province, aid_count, aid_amount) SELECT * FROM aid_day_before;
      DROP TABLE aid_day_before;
      ${orReplace(DAY_COUNTED_VIEWS)}
      ${adder('aid_day_figure', { day: 'date', region: 'char(6)', donor_province: 'text' }, ['aid_count', 'aid_amount'])}
      ${orReplace(DAY_KEEPING_FUNCTIONS)}
      CREATE OR REPLACE FUNCTION fold_day_statistics_rows() RETURNS void LANGUAGE sql AS $$
        ${folder('aid_day_figure', ['day', 'region', 'donor_province'], ['aid_count', 'aid_amount'])};
        ${folder('wallet_day_figure', ['day', 'region'], ['activated'])} $$;
    `);
  }
}

const AID_KEYS = { day: 'date', region: 'char(6)', donor_province: 'text', category: 'text', insurance_type: 'text' };
const QUOTA_SUMS = ['quota_set', 'returned_unaccepted', 'returned_on_dissolution'];

const FUNCTIONS = `
  -- What an aid paid for: a premium; at a retail pharmacy (drugs, devices, consumables); else the expense's category.
  CREATE FUNCTION aid_category(kind text, details jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN kind = 'PREMIUM' THEN 'PREMIUM'
                WHEN details->>'institutionKind' = 'DESIGNATED_RETAIL_PHARMACY' THEN 'PHARMACY'
                ELSE coalesce(details->>'category', 'OTHER') END $$;
  -- A membership's scheme: as it was when it ended, else its person's now (a membership never changes scheme).
  CREATE FUNCTION membership_insurance_type(member text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT e.insurance_type FROM ended_membership e WHERE e.member_id = member),
                    (SELECT p.insurance_type FROM person p WHERE p.member_id = member), 'UNKNOWN') $$;

  -- A transfer's quota flows as its row says: set when committed; released, at 06:00 if it was
  -- returned unaccepted (R25: it was never spent, so all its release is that), else when its relationship ended.
  CREATE FUNCTION quota_flows(t transfer)
    RETURNS TABLE (day date, quota_set bigint, returned_unaccepted bigint, returned_on_dissolution bigint) LANGUAGE sql STABLE AS $$
    SELECT beijing_day(coalesce(t.committed_at, t.created_at)), t.amount, 0::bigint, 0::bigint WHERE t.state = 'COMMITTED'
    UNION ALL
    SELECT beijing_day(t.returned_at), 0, t.released, 0 WHERE t.state = 'COMMITTED' AND t.returned_at IS NOT NULL AND t.released <> 0
    UNION ALL
    SELECT beijing_day(coalesce((SELECT r.dissolved_at FROM relationship r WHERE r.id = t.relationship_id), t.committed_at, t.created_at)),
           0, 0, t.released
    WHERE t.state = 'COMMITTED' AND t.returned_at IS NULL AND t.released <> 0 $$;
`;

/** Who took part in the settled aid of \`settlements\` (a table or the trigger's new rows): one row a member, day and slice. */
const participantsOf = (settlements: string) => `
  SELECT DISTINCT beijing_day(s.settled_at) AS day, aid_region(s.kind, s.details, s.beneficiary_id)::char(6) AS region, t.donor_province,
         aid_category(s.kind, s.details) AS category, membership_insurance_type(s.beneficiary_id) AS insurance_type, p.role, p.member_id
  FROM ${settlements} s JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
    JOIN relationship r ON r.id = t.relationship_id
    CROSS JOIN LATERAL (VALUES ('DONOR', coalesce(t.donor_id, r.donor_id)), ('BENEFICIARY', s.beneficiary_id)) p (role, member_id)
  WHERE s.state = 'SETTLED'`;

/**
 * As migration AidDayFigures's aid_day_counted, with the category and the insurance type. The
 * quota part of a refund made after its relationship ended went to the donor (refunds.ts: newest
 * lot first): replayed here by laying each settlement's refunds and its quota uses, in that order,
 * end to end and taking the overlaps.
 */
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
           aid_category(s.kind, s.details) AS category, membership_insurance_type(s.beneficiary_id) AS insurance_type,
           count(DISTINCT s.id) AS aid_count, sum(u.amount) AS aid_amount
    FROM settlement s JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
    WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3, 4, 5
    UNION ALL
    SELECT beijing_day(p.created_at), aid_region(s.kind, s.details, s.beneficiary_id), p.donor_province,
           aid_category(s.kind, s.details), membership_insurance_type(s.beneficiary_id), 0, -sum(p.amount)
    FROM refund_parts p JOIN settlement s ON s.id = p.settlement_id GROUP BY 1, 2, 3, 4, 5
  )
  SELECT day, region, donor_province, category, insurance_type, sum(aid_count)::bigint AS aid_count, sum(aid_amount)::bigint AS aid_amount
  FROM parts GROUP BY day, region, donor_province, category, insurance_type HAVING sum(aid_count) <> 0 OR sum(aid_amount) <> 0;

  CREATE VIEW family_day_counted AS
  SELECT day, region, sum(established)::bigint AS established, sum(ended)::bigint AS ended FROM (
    SELECT beijing_day(consented_at) AS day, left(donor_id, 6)::char(6) AS region, 1 AS established, 0 AS ended
    FROM relationship WHERE consented_at IS NOT NULL
    UNION ALL
    SELECT beijing_day(dissolved_at), left(donor_id, 6)::char(6), 0, 1 FROM relationship WHERE consented_at IS NOT NULL AND dissolved_at IS NOT NULL
  ) f GROUP BY day, region;

  CREATE VIEW quota_day_counted AS
  WITH refund_span AS (
    SELECT r.settlement_id, r.created_at, sum(r.quota_part) OVER w - r.quota_part AS lo, sum(r.quota_part) OVER w AS hi
    FROM refund r WHERE r.quota_part > 0 WINDOW w AS (PARTITION BY r.settlement_id ORDER BY r.created_at, r.id)
  ), use_span AS (
    SELECT u.settlement_id, t.donor_province, rel.dissolved_at, sum(u.amount) OVER w - u.amount AS lo, sum(u.amount) OVER w AS hi
    FROM quota_use u JOIN transfer t ON t.id = u.transfer_id JOIN relationship rel ON rel.id = t.relationship_id
    WINDOW w AS (PARTITION BY u.settlement_id ORDER BY t.committed_at DESC, t.id DESC)
  ), flows AS (
    SELECT f.day, t.donor_province, f.quota_set, f.returned_unaccepted, f.returned_on_dissolution FROM transfer t, quota_flows(t) f
    UNION ALL
    SELECT beijing_day(r.created_at), u.donor_province, 0, 0, least(r.hi, u.hi) - greatest(r.lo, u.lo)
    FROM refund_span r JOIN use_span u ON u.settlement_id = r.settlement_id AND least(r.hi, u.hi) > greatest(r.lo, u.lo)
    WHERE u.dissolved_at <= r.created_at
  )
  SELECT day, donor_province, sum(quota_set)::bigint AS quota_set, sum(returned_unaccepted)::bigint AS returned_unaccepted,
         sum(returned_on_dissolution)::bigint AS returned_on_dissolution
  FROM flows GROUP BY day, donor_province
  HAVING sum(quota_set) <> 0 OR sum(returned_unaccepted) <> 0 OR sum(returned_on_dissolution) <> 0;

  CREATE VIEW aid_participant_counted AS ${participantsOf('settlement')};
`;

const REFUND_DAY = `beijing_day(nullif(current_setting('wallet.refunded_at', true), '')::timestamptz)`;

const KEEPING_FUNCTIONS = `
  CREATE OR REPLACE FUNCTION count_settlement_day_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM add_to_aid_day_figure(a.day, a.region, a.donor_province, a.category, a.insurance_type, sum(a.n)::bigint, sum(a.amount)::bigint)
      FROM (SELECT beijing_day(s.settled_at) AS day, aid_region(s.kind, s.details, s.beneficiary_id) AS region, t.donor_province,
                   aid_category(s.kind, s.details) AS category, membership_insurance_type(s.beneficiary_id) AS insurance_type,
                   count(DISTINCT s.id) AS n, sum(u.amount) AS amount
            FROM new_rows s JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
            WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3, 4, 5
            UNION ALL
            SELECT beijing_day(s.settled_at), aid_region(s.kind, s.details, s.beneficiary_id), t.donor_province,
                   aid_category(s.kind, s.details), membership_insurance_type(s.beneficiary_id), -count(DISTINCT s.id), -sum(u.amount)
            FROM old_rows s JOIN quota_use u ON u.settlement_id = s.id JOIN transfer t ON t.id = u.transfer_id
            WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3, 4, 5) a
      GROUP BY a.day, a.region, a.donor_province, a.category, a.insurance_type HAVING sum(a.n) <> 0 OR sum(a.amount) <> 0;
      RETURN NULL;
    END $$;

  CREATE OR REPLACE FUNCTION count_quota_use_day_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM add_to_aid_day_figure(a.day, a.region, a.donor_province, a.category, a.insurance_type, a.n, a.amount)
      FROM (SELECT beijing_day(s.settled_at) AS day, aid_region(s.kind, s.details, s.beneficiary_id) AS region, t.donor_province,
                   aid_category(s.kind, s.details) AS category, membership_insurance_type(s.beneficiary_id) AS insurance_type,
                   count(DISTINCT s.id) FILTER (WHERE NOT EXISTS (
                     SELECT 1 FROM quota_use o JOIN transfer ot ON ot.id = o.transfer_id
                     WHERE o.settlement_id = s.id AND ot.donor_province = t.donor_province
                       AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.settlement_id = o.settlement_id AND n.transfer_id = o.transfer_id)))::bigint AS n,
                   sum(u.amount)::bigint AS amount
            FROM new_rows u JOIN settlement s ON s.id = u.settlement_id JOIN transfer t ON t.id = u.transfer_id
            WHERE s.state = 'SETTLED' GROUP BY 1, 2, 3, 4, 5) a;
      RETURN NULL;
    END $$;

  CREATE OR REPLACE FUNCTION count_quota_use_day_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM add_to_aid_day_figure(a.day, a.region, a.donor_province, a.category, a.insurance_type, 0, sum(a.amount)::bigint)
      FROM (SELECT ${REFUND_DAY} AS day, aid_region(s.kind, s.details, s.beneficiary_id) AS region, t.donor_province,
                   aid_category(s.kind, s.details) AS category, membership_insurance_type(s.beneficiary_id) AS insurance_type,
                   o.refunded - n.refunded AS amount
            FROM new_rows n JOIN old_rows o ON o.settlement_id = n.settlement_id AND o.transfer_id = n.transfer_id
              JOIN settlement s ON s.id = n.settlement_id JOIN transfer t ON t.id = n.transfer_id
            WHERE n.refunded <> o.refunded
            UNION ALL
            SELECT beijing_day(s.settled_at), aid_region(s.kind, s.details, s.beneficiary_id), t.donor_province,
                   aid_category(s.kind, s.details), membership_insurance_type(s.beneficiary_id), n.amount - o.amount
            FROM new_rows n JOIN old_rows o ON o.settlement_id = n.settlement_id AND o.transfer_id = n.transfer_id
              JOIN settlement s ON s.id = n.settlement_id JOIN transfer t ON t.id = n.transfer_id
            WHERE n.amount <> o.amount AND s.state = 'SETTLED') a
      GROUP BY a.day, a.region, a.donor_province, a.category, a.insurance_type HAVING sum(a.amount) <> 0;
      RETURN NULL;
    END $$;

  -- The set only grows: two sessions adding the same member, day and slice at once wait for each other's commit, nothing more.
  CREATE FUNCTION count_settlement_participants() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM new_rows WHERE state = 'SETTLED') THEN RETURN NULL; END IF;
      INSERT INTO aid_participant ${participantsOf('new_rows')} ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$;
  CREATE FUNCTION count_quota_use_participants() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO aid_participant
        ${participantsOf('settlement').replace('FROM settlement s JOIN quota_use u', 'FROM settlement s JOIN new_rows u')} ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$;

  CREATE FUNCTION count_relationship_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM add_to_family_day_figure(f.day, f.region, sum(f.e)::bigint, sum(f.x)::bigint)
        FROM (SELECT beijing_day(n.consented_at) AS day, left(n.donor_id, 6)::char(6) AS region, 1 AS e, 0 AS x FROM new_rows n WHERE n.consented_at IS NOT NULL
              UNION ALL
              SELECT beijing_day(n.dissolved_at), left(n.donor_id, 6)::char(6), 0, 1 FROM new_rows n WHERE n.consented_at IS NOT NULL AND n.dissolved_at IS NOT NULL) f
        GROUP BY f.day, f.region;
      ELSE
        PERFORM add_to_family_day_figure(f.day, f.region, sum(f.e)::bigint, sum(f.x)::bigint)
        FROM (SELECT beijing_day(n.consented_at) AS day, left(n.donor_id, 6)::char(6) AS region, 1 AS e, 0 AS x FROM new_rows n WHERE n.consented_at IS NOT NULL
              UNION ALL
              SELECT beijing_day(n.dissolved_at), left(n.donor_id, 6)::char(6), 0, 1 FROM new_rows n WHERE n.consented_at IS NOT NULL AND n.dissolved_at IS NOT NULL
              UNION ALL
              SELECT beijing_day(o.consented_at), left(o.donor_id, 6)::char(6), -1, 0 FROM old_rows o WHERE o.consented_at IS NOT NULL
              UNION ALL
              SELECT beijing_day(o.dissolved_at), left(o.donor_id, 6)::char(6), 0, -1 FROM old_rows o WHERE o.consented_at IS NOT NULL AND o.dissolved_at IS NOT NULL) f
        GROUP BY f.day, f.region HAVING sum(f.e) <> 0 OR sum(f.x) <> 0;
      END IF;
      RETURN NULL;
    END $$;

  -- A refund's quota part given to the donor (the relationship had ended) is dated by the refund (refunds.ts stamps it).
  CREATE FUNCTION count_transfer_flows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM add_to_quota_day_figure(q.day, q.donor_province, sum(q.s)::bigint, sum(q.m)::bigint, sum(q.d)::bigint)
        FROM (SELECT f.day, n.donor_province, f.quota_set AS s, f.returned_unaccepted AS m, f.returned_on_dissolution AS d
              FROM new_rows n, quota_flows(n) f) q
        GROUP BY q.day, q.donor_province HAVING sum(q.s) <> 0 OR sum(q.m) <> 0 OR sum(q.d) <> 0;
      ELSIF TG_OP = 'UPDATE' THEN
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
              SELECT ${REFUND_DAY}, n.donor_province, 0, 0, n.refunded_to_donor - o.refunded_to_donor
              FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.refunded_to_donor <> o.refunded_to_donor) q
        GROUP BY q.day, q.donor_province HAVING sum(q.s) <> 0 OR sum(q.m) <> 0 OR sum(q.d) <> 0;
      ELSE
        PERFORM add_to_quota_day_figure(q.day, q.donor_province, -sum(q.s)::bigint, -sum(q.m)::bigint, -sum(q.d)::bigint)
        FROM (SELECT f.day, o.donor_province, f.quota_set AS s, f.returned_unaccepted AS m, f.returned_on_dissolution AS d
              FROM old_rows o, quota_flows(o) f) q
        GROUP BY q.day, q.donor_province HAVING sum(q.s) <> 0 OR sum(q.m) <> 0 OR sum(q.d) <> 0;
      END IF;
      RETURN NULL;
    END $$;
`;

const TRIGGERS = `
  CREATE TRIGGER settlement_participants AFTER UPDATE ON settlement REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_settlement_participants();
  CREATE TRIGGER quota_use_participants AFTER INSERT ON quota_use REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_quota_use_participants();
  CREATE TRIGGER relationship_families_insert AFTER INSERT ON relationship REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_relationship_change();
  CREATE TRIGGER relationship_families_update AFTER UPDATE ON relationship REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_relationship_change();
  CREATE TRIGGER transfer_flows_insert AFTER INSERT ON transfer REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_transfer_flows();
  CREATE TRIGGER transfer_flows_update AFTER UPDATE ON transfer REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_transfer_flows();
  CREATE TRIGGER transfer_flows_delete AFTER DELETE ON transfer REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_transfer_flows();
`;
