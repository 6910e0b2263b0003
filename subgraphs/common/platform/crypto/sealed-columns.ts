import type { DataSource } from 'typeorm';
import { errorText, log } from '../log';
import type { PersonalDataKeys } from './personal-data-keys';

/**
 * A column of personal data kept sealed: the plain column (empty once sealed), the sealed value,
 * the data key that sealed it and, where rows are found by it, its blind index. Two jobs keep it:
 * - `sealPlainValues`, the data migration of a database made before encryption: seals every plain
 *   value in place and builds its index, at start, before the service serves;
 * - `resealOldValues`, the second step of a rotation: seals again, with the current key, what an
 *   older key sealed, while the service serves.
 * Both work in batches of their own transactions (rows taken FOR UPDATE SKIP LOCKED, so replicas
 * share the work; one UPDATE per batch) and pick up where they stopped: an interrupted run loses nothing.
 */
export interface SealedColumn {
  table: string;
  /** The row's key column: the sealed value is bound to it (a ciphertext moved to another row does not open). */
  id: string;
  /** The plain column of a database made before encryption (emptied once sealed)... */
  plain?: string;
  /** ...or how its plain values are sealed in place otherwise (national's person index, whose row key changes). */
  sealPlain?: (db: DataSource, keys: PersonalDataKeys) => Promise<number>;
  sealed: string;
  key: string;
  index?: { column: string; of: (keys: PersonalDataKeys, value: string) => Buffer };
  context: (id: string) => string;
}

const BATCH = 500;

export async function sealPlainValues(db: DataSource, keys: PersonalDataKeys, column: SealedColumn): Promise<number> {
  if (column.sealPlain) return column.sealPlain(db, keys);
  if (!column.plain) return 0;
  const { plain, index } = column;
  let sealed = 0;
  for (;;) {
    const count = await db.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT ${column.id} AS id, ${plain} AS plain FROM ${column.table} WHERE ${plain} IS NOT NULL
         ORDER BY ${column.id} LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`, // in the order of the partial index of plain values: read by it
      )) as { id: string; plain: string }[];
      if (rows.length === 0) return 0;
      const seals = rows.map((row) => keys.seal(row.plain, column.context(row.id)));
      await tx.query(
        `UPDATE ${column.table} t SET ${plain} = NULL, ${column.sealed} = v.sealed, ${column.key} = v.key
           ${index ? `, ${index.column} = v.index` : ''}
         FROM unnest($1::text[], $2::bytea[], $3::int[], $4::bytea[]) AS v(id, sealed, key, index)
         WHERE t.${column.id} = v.id`,
        [
          rows.map((r) => r.id),
          seals.map((x) => x.sealed),
          seals.map((x) => x.keyId),
          rows.map((r) => (index ? index.of(keys, r.plain) : null)),
        ],
      );
      return rows.length;
    });
    sealed += count;
    if (count < BATCH) return sealed;
  }
}

// "Another key than the current one" as two ranges, which the key column's index answers (`<>` reads
// the whole table): this runs every PII_RESEAL_INTERVAL_MS and almost always finds nothing.
export async function resealOldValues(db: DataSource, keys: PersonalDataKeys, column: SealedColumn): Promise<number> {
  let resealed = 0;
  for (;;) {
    const count = await db.transaction(async (tx) => {
      const rows = (await tx.query(
        `SELECT ${column.id} AS id, ${column.sealed} AS sealed, ${column.key} AS key FROM ${column.table}
         WHERE (${column.key} < $1 OR ${column.key} > $1) LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
        [keys.currentKeyId],
      )) as { id: string; sealed: Buffer; key: number }[];
      if (rows.length === 0) return 0;
      const seals = rows.map((row) => {
        const context = column.context(row.id);
        return keys.seal(keys.open(row.sealed, row.key, context), context);
      });
      await tx.query(
        `UPDATE ${column.table} t SET ${column.sealed} = v.sealed, ${column.key} = v.key
         FROM unnest($1::text[], $2::bytea[], $3::int[]) AS v(id, sealed, key) WHERE t.${column.id} = v.id`,
        [rows.map((r) => r.id), seals.map((x) => x.sealed), seals.map((x) => x.keyId)],
      );
      return rows.length;
    });
    resealed += count;
    if (count < BATCH) return resealed;
  }
}

/** How many values an older key than the current one still seals (0: a rotation is finished). */
export async function valuesUnderOldKeys(
  db: DataSource,
  keys: PersonalDataKeys,
  columns: readonly SealedColumn[],
): Promise<number> {
  let total = 0;
  for (const c of columns) {
    const unsealed = c.plain ? `${c.plain} IS NOT NULL` : `${c.sealed} IS NULL`;
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM ${c.table} WHERE ${c.key} <> $1 OR ${unsealed}`, [
      keys.currentKeyId,
    ])) as { n: number }[];
    total += n;
  }
  return total;
}

/**
 * The background half of rotation: every `intervalMs`, read the data keys again (a new current
 * key made by another replica or an operator) and seal again what older keys sealed; and seal any
 * plain value written since the start (e.g. the bench's bulk load, which writes past the services).
 */
export function keepColumnsSealed(
  db: DataSource,
  keys: PersonalDataKeys,
  columns: readonly SealedColumn[],
  intervalMs: number,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void (async () => {
      await keys.refresh(db);
      for (const column of columns) {
        const count = await resealOldValues(db, keys, column);
        if (count) log.info({ table: column.table, count }, 'sealed again with the current data key');
        // Plain values written behind the service's back (a bulk load, an older replica) are sealed too.
        const plain = await sealPlainValues(db, keys, column);
        if (plain) log.info({ table: column.table, count: plain }, 'plain personal data sealed in place');
      }
    })()
      .catch((error: unknown) =>
        log.error({ error: errorText(error) }, 'sealing personal data again failed; tried again later'),
      )
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
