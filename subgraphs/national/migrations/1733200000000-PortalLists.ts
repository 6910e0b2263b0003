import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The indexes behind a portal's lists of what touches its province, each in its list's order so
 * that a page reads a page of index entries: relationships by the donor's and the beneficiary's
 * province (the first two digits of a member id) and status; transfers by the donor's and the
 * beneficiary's province (a column kept by a trigger from the relationship, so the money paths are
 * untouched) and time; settled settlements by the province where they were spent and the time they
 * settled, also by category and institution; clearing entries by debtor and creditor; a member's
 * account moves (for their history).
 */
export class PortalLists1733200000000 implements MigrationInterface {
  name = 'PortalLists1733200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX relationship_donor_province ON relationship (left(donor_id, 2), status, established_at, id);
      CREATE INDEX relationship_beneficiary_province ON relationship (left(beneficiary_id, 2), status, established_at, id);

      ALTER TABLE transfer ADD COLUMN beneficiary_province text;
      UPDATE transfer t SET beneficiary_province = left(r.beneficiary_id, 2) FROM relationship r WHERE r.id = t.relationship_id;
      ALTER TABLE transfer ALTER COLUMN beneficiary_province SET NOT NULL;
      CREATE FUNCTION set_beneficiary_province() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          NEW.beneficiary_province := (SELECT left(beneficiary_id, 2) FROM relationship WHERE id = NEW.relationship_id);
          RETURN NEW;
        END $$;
      CREATE TRIGGER transfer_beneficiary_province BEFORE INSERT ON transfer FOR EACH ROW EXECUTE FUNCTION set_beneficiary_province();
      CREATE INDEX transfer_donor_province ON transfer (donor_province, created_at, id);
      CREATE INDEX transfer_beneficiary_province ON transfer (beneficiary_province, created_at, id);

      CREATE INDEX settlement_spent_in ON settlement (spending_province, settled_at, id) WHERE state = 'SETTLED';
      CREATE INDEX settlement_spent_in_category ON settlement (spending_province, (details ->> 'category'), settled_at, id)
        WHERE state = 'SETTLED';
      CREATE INDEX settlement_spent_in_institution ON settlement (spending_province, (details ->> 'institutionName'), settled_at, id)
        WHERE state = 'SETTLED';

      CREATE INDEX clearing_entry_debtor ON clearing_entry (debtor_province, created_at);
      CREATE INDEX clearing_entry_creditor ON clearing_entry (creditor_province, created_at);

      CREATE INDEX account_move_from ON account_move (from_member);
      CREATE INDEX account_move_to ON account_move (to_member);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX account_move_to, account_move_from, clearing_entry_creditor, clearing_entry_debtor,
        settlement_spent_in_institution, settlement_spent_in_category, settlement_spent_in,
        transfer_beneficiary_province, transfer_donor_province, relationship_beneficiary_province, relationship_donor_province;
      DROP TRIGGER transfer_beneficiary_province ON transfer;
      DROP FUNCTION set_beneficiary_province();
      ALTER TABLE transfer DROP COLUMN beneficiary_province;
    `);
  }
}
