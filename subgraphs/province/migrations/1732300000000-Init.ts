import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A province's own database: its members, their personal accounts (a lockable balance row per fund
 * source, kept equal to the append-only ledger), holds for quotas, and idempotency records.
 */
export class Init1732300000000 implements MigrationInterface {
  name = 'Init1732300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE SEQUENCE member_number;
      CREATE TABLE member (
        id             text PRIMARY KEY,
        id_number      text NOT NULL UNIQUE,
        name           text NOT NULL,
        insurance_type text NOT NULL CHECK (insurance_type IN ('EMPLOYEE', 'RESIDENT')),
        pooling_region char(6) NOT NULL,
        status         text NOT NULL DEFAULT 'INSURED' CHECK (status IN ('INSURED', 'ENDED')),
        enrolled_at    timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX member_region ON member (pooling_region);

      CREATE TABLE account (
        member_id   text NOT NULL REFERENCES member (id),
        fund_source text NOT NULL CHECK (fund_source IN ('CURRENT_YEAR', 'ACCUMULATED')),
        balance     bigint NOT NULL DEFAULT 0,
        held        bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (member_id, fund_source),
        CONSTRAINT no_overdraft CHECK (held >= 0 AND held <= balance)
      );

      CREATE TABLE account_entry (
        id            bigserial PRIMARY KEY,
        member_id     text NOT NULL REFERENCES member (id),
        fund_source   text NOT NULL,
        kind          text NOT NULL,
        balance_delta bigint NOT NULL,
        held_delta    bigint NOT NULL,
        operation_id  text NOT NULL,
        hold_id       text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT one_step_per_operation UNIQUE NULLS NOT DISTINCT (operation_id, kind, fund_source, hold_id)
      );
      CREATE INDEX account_entry_member ON account_entry (member_id, id);
      CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
      CREATE TRIGGER account_entry_append_only BEFORE UPDATE OR DELETE ON account_entry
        FOR EACH ROW EXECUTE FUNCTION refuse_change();

      CREATE TABLE hold (
        id          text PRIMARY KEY,
        member_id   text NOT NULL REFERENCES member (id),
        fund_source text NOT NULL,
        amount      bigint NOT NULL CHECK (amount > 0),
        captured    bigint NOT NULL DEFAULT 0,
        released    bigint NOT NULL DEFAULT 0,
        restored    bigint NOT NULL DEFAULT 0,
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT hold_within_amount CHECK (
          captured >= 0 AND released >= 0 AND restored >= 0 AND restored <= captured
          AND captured - restored + released <= amount)
      );
      CREATE INDEX hold_member ON hold (member_id);

      CREATE TABLE idempotency_record (
        key          text PRIMARY KEY,
        request_hash text NOT NULL,
        response     jsonb,
        created_at   timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `DROP TABLE idempotency_record, hold, account_entry, account, member; DROP FUNCTION refuse_change; DROP SEQUENCE member_number;`,
    );
  }
}
