import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Family mutual aid: relationships, quota transfers (each a lot of quota backed by a hold in the
 * donor's province), settlements and premiums paid from quota, refunds, the clearing ledger, and
 * the outbox of province steps that makes every cross-database operation finish after a crash.
 */
export class MutualAid1732400000000 implements MigrationInterface {
  name = 'MutualAid1732400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE relationship (
        id                    text PRIMARY KEY,
        donor_id              text NOT NULL REFERENCES person (member_id),
        beneficiary_id        text NOT NULL REFERENCES person (member_id),
        relation              text NOT NULL,
        channel               text NOT NULL,
        operator_id           text,
        commitment_version    text NOT NULL,
        commitment_signed_at  timestamptz NOT NULL,
        status                text NOT NULL CHECK (status IN ('ACTIVE', 'DISSOLVED')),
        established_at        timestamptz NOT NULL DEFAULT now(),
        dissolved_at          timestamptz,
        dissolution_channel   text,
        dissolution_operator  text,
        CHECK (donor_id <> beneficiary_id),
        CHECK (channel <> 'AGENCY_WINDOW' OR operator_id IS NOT NULL)
      );
      CREATE UNIQUE INDEX one_active_relationship_per_pair ON relationship (donor_id, beneficiary_id) WHERE status = 'ACTIVE';
      CREATE INDEX relationship_beneficiary ON relationship (beneficiary_id, established_at);

      CREATE TABLE transfer (
        id               text PRIMARY KEY,
        idempotency_key  text NOT NULL UNIQUE,
        request_hash     text NOT NULL,
        relationship_id  text NOT NULL REFERENCES relationship (id),
        donor_province   text NOT NULL,
        fund_source      text NOT NULL,
        amount           bigint NOT NULL CHECK (amount > 0),
        spent            bigint NOT NULL DEFAULT 0,
        restored         bigint NOT NULL DEFAULT 0,
        released         bigint NOT NULL DEFAULT 0,
        state            text NOT NULL CHECK (state IN ('PENDING', 'COMMITTED', 'ABORTED')),
        created_at       timestamptz NOT NULL DEFAULT now(),
        committed_at     timestamptz,
        CONSTRAINT quota_within_transfer CHECK (
          spent >= 0 AND restored >= 0 AND released >= 0 AND restored <= spent AND spent - restored + released <= amount)
      );
      CREATE INDEX transfer_relationship ON transfer (relationship_id, created_at);
      CREATE INDEX transfer_pending ON transfer (created_at) WHERE state = 'PENDING';

      CREATE TABLE settlement (
        id                   text PRIMARY KEY,
        idempotency_key      text NOT NULL UNIQUE,
        request_hash         text NOT NULL,
        kind                 text NOT NULL CHECK (kind IN ('EXPENSE', 'PREMIUM')),
        beneficiary_id       text NOT NULL REFERENCES person (member_id),
        spending_province    text NOT NULL,
        details              jsonb NOT NULL,
        amount               bigint NOT NULL CHECK (amount > 0),
        own_current_year     bigint NOT NULL DEFAULT 0,
        own_accumulated      bigint NOT NULL DEFAULT 0,
        quota_paid           bigint NOT NULL DEFAULT 0,
        cash_paid            bigint NOT NULL DEFAULT 0,
        state                text NOT NULL CHECK (state IN ('PENDING', 'SETTLED')),
        created_at           timestamptz NOT NULL DEFAULT now(),
        settled_at           timestamptz,
        CHECK (state = 'PENDING' OR own_current_year + own_accumulated + quota_paid + cash_paid = amount)
      );
      CREATE INDEX settlement_beneficiary ON settlement (beneficiary_id, created_at);
      CREATE INDEX settlement_pending ON settlement (created_at) WHERE state = 'PENDING';

      CREATE TABLE quota_use (
        settlement_id  text NOT NULL REFERENCES settlement (id),
        transfer_id    text NOT NULL REFERENCES transfer (id),
        amount         bigint NOT NULL CHECK (amount > 0),
        refunded       bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
        PRIMARY KEY (settlement_id, transfer_id)
      );

      CREATE TABLE refund (
        id               text PRIMARY KEY,
        idempotency_key  text NOT NULL UNIQUE,
        request_hash     text NOT NULL,
        settlement_id    text NOT NULL REFERENCES settlement (id),
        amount           bigint NOT NULL CHECK (amount > 0),
        cash_part        bigint NOT NULL,
        quota_part       bigint NOT NULL,
        own_current_year bigint NOT NULL,
        own_accumulated  bigint NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        CHECK (cash_part + quota_part + own_current_year + own_accumulated = amount)
      );

      CREATE TABLE province_step (
        id            bigserial PRIMARY KEY,
        operation_id  text NOT NULL,
        province      text NOT NULL,
        action        text NOT NULL,
        payload       jsonb NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        applied_at    timestamptz
      );
      CREATE INDEX province_step_unapplied ON province_step (id) WHERE applied_at IS NULL;
      CREATE INDEX province_step_operation ON province_step (operation_id);

      CREATE TABLE clearing_entry (
        id                  bigserial PRIMARY KEY,
        operation_id        text NOT NULL,
        debtor_province     text NOT NULL,
        creditor_province   text NOT NULL,
        amount              bigint NOT NULL,
        created_at          timestamptz NOT NULL DEFAULT now(),
        CHECK (debtor_province <> creditor_province)
      );
      CREATE INDEX clearing_entry_time ON clearing_entry (created_at);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE clearing_entry, province_step, refund, quota_use, settlement, transfer, relationship;`);
  }
}
