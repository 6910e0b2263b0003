import type { MigrationInterface, QueryRunner } from 'typeorm';

/** R32: the record of staff reads of members' personal data, append-only (a trigger refuses UPDATE, DELETE, TRUNCATE). */
export class DataAccessRecords1732900000000 implements MigrationInterface {
  name = 'DataAccessRecords1732900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE data_access_record (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        member_id text NOT NULL,
        data text NOT NULL,
        reader_role text NOT NULL,
        reader_province text NOT NULL,
        reader_subject text NOT NULL,
        operator_id text,
        read_at timestamptz NOT NULL,
        recorded_by text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX data_access_record_by_member ON data_access_record (member_id, seq DESC);
      CREATE INDEX data_access_record_by_reader_province ON data_access_record (reader_province, seq DESC);
      CREATE FUNCTION refuse_change_of_access_record() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'R32: the data access record is append-only'; END $$;
      CREATE TRIGGER data_access_record_append_only BEFORE UPDATE OR DELETE ON data_access_record
        FOR EACH ROW EXECUTE FUNCTION refuse_change_of_access_record();
      CREATE TRIGGER data_access_record_never_truncated BEFORE TRUNCATE ON data_access_record
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_access_record();
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE data_access_record; DROP FUNCTION refuse_change_of_access_record();`);
  }
}
