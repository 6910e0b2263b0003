import type { DataSource } from 'typeorm';
import { type PersonalDataKeys, personalDataKeys } from '../../common/platform/crypto/personal-data-keys';
import type { SealedColumn } from '../../common/platform/crypto/sealed-columns';

/**
 * National's person index keeps no ID number in plain text (docs/cryptography.md). The column
 * `id_number` of `person`, `ended_membership` and `account_move` holds the person's key: the blind
 * index of the ID number (a keyed hash, 64 hex digits), so every lookup, join and uniqueness rule
 * stays as it was; the ID number itself is sealed beside it in `person`, for the few places that
 * hand it on (an enrolment in a new region, the member's own page).
 */
export const personKeyOf = (keys: PersonalDataKeys, idNumber: string): string =>
  keys.idNumberIndex(idNumber).toString('hex');

/** The person's key of an ID number, with the process's data keys. */
export const personKey = (idNumber: string): string => personKeyOf(personalDataKeys(), idNumber);

/** A person's ID number sealed is bound to their key (a ciphertext moved to another person does not open). */
const context = (key: string) => `person.id_number:${key}`;

export interface SealedIdNumber {
  key: string;
  sealed: Buffer;
  keyId: number;
}

export function sealIdNumber(idNumber: string): SealedIdNumber {
  const key = personKey(idNumber);
  const { sealed, keyId } = personalDataKeys().seal(idNumber, context(key));
  return { key, sealed, keyId };
}

/** The columns to select (as `personKey`, `idNumberSealed`, `idNumberKey`) for `openIdNumber`, with a table alias if any. */
export const sealedIdNumberColumns = (alias = '') =>
  `${alias}id_number AS "personKey", ${alias}id_number_sealed AS "idNumberSealed", ${alias}id_number_key AS "idNumberKey"`;

export interface SealedIdNumberRow {
  personKey: string;
  idNumberSealed: Buffer | null;
  idNumberKey: number | null;
}

/** A row not sealed yet (written past the service, e.g. a bulk load, until the background job seals it) holds the plain number. */
export const openIdNumber = (row: SealedIdNumberRow): string =>
  row.idNumberSealed === null || row.idNumberKey === null
    ? row.personKey
    : personalDataKeys().open(row.idNumberSealed, row.idNumberKey, context(row.personKey));

/** A plain ID number in the tables (a database made before encryption, or a bulk load past the service) is 18 characters, a key 64. */
const PLAIN = 'length(id_number) <> 64';
const BATCH = 500;

/**
 * The data migration of the person index: each plain ID number becomes its key in the three tables
 * and is sealed in `person`, in batches of their own transactions (an interrupted run resumes).
 */
export async function sealPlainPersons(db: DataSource, keys: PersonalDataKeys): Promise<number> {
  let sealed = 0;
  for (;;) {
    const count = await db.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT id_number AS plain FROM person WHERE ${PLAIN} ORDER BY id_number LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`, // by the partial index
      )) as { plain: string }[];
      if (rows.length === 0) return 0;
      const plains = rows.map((r) => r.plain);
      const personKeys = plains.map((plain) => personKeyOf(keys, plain));
      const seals = plains.map((plain, i) => keys.seal(plain, context(personKeys[i])));
      await tx.query(
        `UPDATE person p SET id_number = v.key, id_number_sealed = v.sealed, id_number_key = v.key_id
         FROM unnest($1::text[], $2::text[], $3::bytea[], $4::int[]) AS v(plain, key, sealed, key_id)
         WHERE p.id_number = v.plain`,
        [plains, personKeys, seals.map((x) => x.sealed), seals.map((x) => x.keyId)],
      );
      for (const table of ['ended_membership', 'account_move'])
        await tx.query(
          `UPDATE ${table} t SET id_number = v.key FROM unnest($1::text[], $2::text[]) AS v(plain, key)
           WHERE t.id_number = v.plain`,
          [plains, personKeys],
        );
      return rows.length;
    });
    sealed += count;
    if (count < BATCH) break;
  }
  // Rows whose person is gone (none are deleted but a refused new enrolment's) still get the key.
  for (const table of ['ended_membership', 'account_move']) {
    const plains = (await db.query(`SELECT DISTINCT id_number AS plain FROM ${table} WHERE ${PLAIN}`)) as {
      plain: string;
    }[];
    for (const { plain } of plains)
      await db.query(`UPDATE ${table} SET id_number = $2 WHERE id_number = $1`, [plain, personKeyOf(keys, plain)]);
  }
  return sealed;
}

/** The person's sealed ID number: sealed again after a rotation; plain ones are migrated by `sealPlainPersons`. */
export const SEALED_PERSON_ID_NUMBER: SealedColumn = {
  table: 'person',
  id: 'id_number',
  sealed: 'id_number_sealed',
  key: 'id_number_key',
  context,
  sealPlain: sealPlainPersons,
};
