import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The pilot's operating rules (R24–R29): transfer policies per pooling region, acceptance of
 * transfers, the beneficiary's consent, automatic ending with the insurance, suspected-fraud
 * records, and the wallet's phone, place of use and who opened it.
 */
export class PilotRules1732500000000 implements MigrationInterface {
  name = 'PilotRules1732500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE transfer_policy (
        region_code            char(6) PRIMARY KEY REFERENCES pooling_region (code),
        daily_transfer_limit   int CHECK (daily_transfer_limit > 0),
        transfer_amount_limit  bigint CHECK (transfer_amount_limit > 0),
        night_start_minute     int CHECK (night_start_minute BETWEEN 0 AND 1439),
        night_end_minute       int CHECK (night_end_minute BETWEEN 0 AND 1439),
        updated_at             timestamptz NOT NULL DEFAULT now()
      );

      ALTER TABLE transfer
        ADD COLUMN donor_id    text,
        ADD COLUMN accept_by   timestamptz,
        ADD COLUMN accepted_at timestamptz,
        ADD COLUMN returned_at timestamptz;
      CREATE INDEX transfer_donor_day ON transfer (donor_id, created_at);
      CREATE INDEX transfer_awaiting_acceptance ON transfer (accept_by)
        WHERE state = 'COMMITTED' AND accepted_at IS NULL AND returned_at IS NULL;

      ALTER TABLE relationship DROP CONSTRAINT relationship_status_check;
      ALTER TABLE relationship ADD CONSTRAINT relationship_status_check
        CHECK (status IN ('AWAITING_CONSENT', 'ACTIVE', 'DISSOLVED'));
      ALTER TABLE relationship
        ADD COLUMN consented_at     timestamptz,
        ADD COLUMN consent_channel  text,
        ADD COLUMN consent_operator text;
      DROP INDEX one_active_relationship_per_pair;
      CREATE UNIQUE INDEX one_live_relationship_per_pair ON relationship (donor_id, beneficiary_id)
        WHERE status IN ('AWAITING_CONSENT', 'ACTIVE');

      -- A member id is one membership; when insurance ends or moves (R26) the person gets a new one.
      ALTER TABLE relationship DROP CONSTRAINT relationship_donor_id_fkey;
      ALTER TABLE relationship DROP CONSTRAINT relationship_beneficiary_id_fkey;
      ALTER TABLE settlement DROP CONSTRAINT settlement_beneficiary_id_fkey;
      ALTER TABLE wallet DROP CONSTRAINT wallet_member_id_fkey;
      ALTER TABLE person DROP CONSTRAINT person_state_check;
      ALTER TABLE person ADD CONSTRAINT person_state_check CHECK (state IN ('PENDING', 'ACTIVE', 'ENDED'));
      CREATE TABLE ended_membership (
        member_id      text PRIMARY KEY,
        id_number      text NOT NULL,
        pooling_region char(6) NOT NULL,
        insurance_type text NOT NULL,
        reason         text NOT NULL CHECK (reason IN ('INSURANCE_ENDED', 'MOVED')),
        ended_at       timestamptz NOT NULL
      );
      CREATE INDEX ended_membership_person ON ended_membership (id_number);

      CREATE TABLE suspected_fraud (
        id               text PRIMARY KEY,
        beneficiary_id   text NOT NULL,
        holder_id        text NOT NULL,
        province         text NOT NULL,
        method           text NOT NULL,
        amount           bigint NOT NULL,
        details          jsonb NOT NULL,
        created_at       timestamptz NOT NULL
      );
      CREATE INDEX suspected_fraud_province ON suspected_fraud (province, created_at);

      ALTER TABLE wallet
        ADD COLUMN phone              text,
        ADD COLUMN place_of_use       char(6) REFERENCES pooling_region (code),
        ADD COLUMN opened_by          text NOT NULL DEFAULT 'SELF' CHECK (opened_by IN ('SELF', 'RELATIVE', 'CLERK')),
        ADD COLUMN opened_by_member   text,
        ADD COLUMN opened_by_operator text;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE wallet DROP COLUMN phone, DROP COLUMN place_of_use, DROP COLUMN opened_by, DROP COLUMN opened_by_member,
        DROP COLUMN opened_by_operator;
      DROP TABLE suspected_fraud, ended_membership, transfer_policy;
      DROP INDEX one_live_relationship_per_pair;
      ALTER TABLE relationship DROP COLUMN consented_at, DROP COLUMN consent_channel, DROP COLUMN consent_operator;
      ALTER TABLE transfer DROP COLUMN donor_id, DROP COLUMN accept_by, DROP COLUMN accepted_at, DROP COLUMN returned_at;
    `);
  }
}
