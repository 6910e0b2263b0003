import type { MigrationInterface, QueryRunner } from 'typeorm';
import { adder, folder } from './1733500000000-AidDayFigures';

/**
 * What lets R23's distinct donors and beneficiaries be read from a kept count (statistics/
 * distinct-people.ts) and still be exact: a count of the changes to `aid_participant` by day, kept
 * as the daily figures are (rows of the session that wrote, folded by `fold_participant_changes()`)
 * and written by a trigger of that table in the same transaction as the change. The changes of a
 * span of days only grow, so a reader that sees the same sum as when it counted the span sees the
 * same participants. An index by member answers "did they already take part in the span?".
 */
export class ParticipantChanges1733800000000 implements MigrationInterface {
  name = 'ParticipantChanges1733800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE aid_participant_change (
        backend    int NOT NULL,
        day        date NOT NULL,
        changes    bigint NOT NULL DEFAULT 0,
        written_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (day, backend)
      );
      INSERT INTO aid_participant_change (backend, day, changes) SELECT 0, day, count(*) FROM aid_participant GROUP BY day;
      ${adder('aid_participant_change', { day: 'date' }, ['changes'])}
      CREATE FUNCTION count_aid_participant_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM add_to_aid_participant_change(n.day, count(*)) FROM new_rows n GROUP BY n.day;
          END IF;
          IF TG_OP IN ('DELETE', 'UPDATE') THEN
            PERFORM add_to_aid_participant_change(o.day, count(*)) FROM old_rows o GROUP BY o.day;
          END IF;
          RETURN NULL;
        END $$;
      CREATE TRIGGER aid_participant_change_insert AFTER INSERT ON aid_participant REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION count_aid_participant_change();
      CREATE TRIGGER aid_participant_change_update AFTER UPDATE ON aid_participant REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION count_aid_participant_change();
      CREATE TRIGGER aid_participant_change_delete AFTER DELETE ON aid_participant REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION count_aid_participant_change();
      CREATE FUNCTION fold_participant_changes() RETURNS void LANGUAGE sql AS $$
        ${folder('aid_participant_change', ['day'], ['changes'])} $$;
      CREATE INDEX aid_participant_member ON aid_participant (member_id, role, day);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX aid_participant_member;
      DROP TRIGGER aid_participant_change_insert ON aid_participant;
      DROP TRIGGER aid_participant_change_update ON aid_participant;
      DROP TRIGGER aid_participant_change_delete ON aid_participant;
      DROP FUNCTION count_aid_participant_change, fold_participant_changes, add_to_aid_participant_change;
      DROP TABLE aid_participant_change;
    `);
  }
}
