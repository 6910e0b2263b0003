import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The national database: the registry, the person index, wallets and idempotency records. */
export class Init1732300000000 implements MigrationInterface {
  name = 'Init1732300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE province (
        code text PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
        name text NOT NULL
      );
      CREATE TABLE pooling_region (
        code                   char(6) PRIMARY KEY,
        province_code          text NOT NULL REFERENCES province (code),
        name                   text NOT NULL,
        cross_province_enabled boolean NOT NULL,
        wallet_enabled         boolean NOT NULL,
        CHECK (substr(code, 1, 2) = province_code)
      );
      CREATE TABLE person (
        id_number      text PRIMARY KEY,
        member_id      text UNIQUE,
        name           text NOT NULL,
        insurance_type text NOT NULL,
        pooling_region char(6) NOT NULL REFERENCES pooling_region (code),
        state          text NOT NULL CHECK (state IN ('PENDING', 'ACTIVE')),
        created_at     timestamptz NOT NULL DEFAULT now(),
        CHECK (state = 'PENDING' OR member_id IS NOT NULL)
      );
      CREATE INDEX person_pending ON person (created_at) WHERE state = 'PENDING';
      CREATE TABLE wallet (
        member_id    text PRIMARY KEY REFERENCES person (member_id),
        activated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE idempotency_record (
        key          text PRIMARY KEY,
        request_hash text NOT NULL,
        response     jsonb,
        created_at   timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE idempotency_record, wallet, person, pooling_region, province;`);
  }
}
