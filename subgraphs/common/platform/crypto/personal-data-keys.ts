import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { platformNow } from '../clock';
import { normalizeIdNumber } from '../../domain/id-number';
import { DATA_KEY_BYTES, keyedHash, open, seal } from './cipher';
import type { KeyEncryptionKey } from './key-encryption-key';
import type { CryptoSuite } from './suite';

/**
 * The data keys of one deployment's database (envelope encryption), kept in its table `data_key`
 * wrapped by the deployment's key-encryption key:
 * - `seal` keys encrypt personal data (ID numbers, phone numbers); the newest is current, the
 *   older ones still open what they sealed until the rotation job has sealed it again;
 * - one `index` key makes the blind indexes (keyed hashes) a lookup by ID number uses. It is not
 *   rotated with the seal keys (every index would have to be rebuilt at once).
 * Every key is unwrapped at start: a wrong or missing KEK, or a database of the other suite, stops
 * the service with one sentence.
 */
/** The table of a database's data keys (each deployment's migration creates it). */
export const DATA_KEY_TABLE = `
  CREATE TABLE data_key (
    id         serial PRIMARY KEY,
    purpose    text NOT NULL CHECK (purpose IN ('seal', 'index')),
    wrapped    bytea NOT NULL,
    kek_id     text NOT NULL,
    suite      text NOT NULL,
    created_at timestamptz NOT NULL
  );`;

export interface SealedValue {
  sealed: Buffer;
  keyId: number;
}

interface KeyRow {
  id: number;
  purpose: 'seal' | 'index';
  wrapped: Buffer;
  kek_id: string;
  suite: CryptoSuite;
}

const wrapContext = (id: number, purpose: string) => `data_key:${id}:${purpose}`;

export class PersonalDataKeys {
  private constructor(
    readonly suite: CryptoSuite,
    private readonly kek: KeyEncryptionKey,
    private sealKeys: Map<number, Buffer>,
    private currentId: number,
    private readonly indexKey: Buffer,
  ) {}

  /** The keys of this database, made on the first start (one replica makes them; the others wait and read them). */
  static async open(db: DataSource, kek: KeyEncryptionKey, suite: CryptoSuite): Promise<PersonalDataKeys> {
    await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('data_key'))`);
      for (const purpose of ['index', 'seal'] as const) {
        const [present] = (await tx.query(`SELECT 1 FROM data_key WHERE purpose = $1 LIMIT 1`, [purpose])) as unknown[];
        if (!present) await insertKey(tx, kek, suite, purpose);
      }
    });
    const { sealKeys, currentId, indexKey } = await unwrapAll(db, kek, suite);
    return new PersonalDataKeys(suite, kek, sealKeys, currentId, indexKey);
  }

  /** Reads the keys again (a rotation by another replica or by `npm run rotate`: the new current key). */
  async refresh(db: DataSource): Promise<void> {
    const { sealKeys, currentId } = await unwrapAll(db, this.kek, this.suite);
    this.sealKeys = sealKeys;
    this.currentId = currentId;
  }

  /** Rotation, step 1: a new current seal key. Step 2 is the background job that seals old rows again. */
  async rotate(db: DataSource): Promise<number> {
    const id = await insertKey(db, this.kek, this.suite, 'seal');
    await this.refresh(db);
    return id;
  }

  get currentKeyId(): number {
    return this.currentId;
  }

  seal(value: string, context: string): SealedValue {
    return {
      sealed: seal(this.suite, this.sealKeys.get(this.currentId) as Buffer, Buffer.from(value), Buffer.from(context)),
      keyId: this.currentId,
    };
  }

  open(sealed: Buffer, keyId: number, context: string): string {
    const key = this.sealKeys.get(keyId);
    if (!key)
      throw new Error(`data key ${keyId} is not known to this process (read again within seconds after a rotation)`);
    return open(this.suite, key, sealed, Buffer.from(context)).toString();
  }

  /** The blind index of an ID number (its normalised form), the only way a row is found by it. */
  idNumberIndex(idNumber: string): Buffer {
    return keyedHash(this.suite, this.indexKey, `id_number:${normalizeIdNumber(idNumber)}`);
  }
}

type Query = Pick<DataSource, 'query'>;

async function insertKey(
  db: Query,
  kek: KeyEncryptionKey,
  suite: CryptoSuite,
  purpose: 'seal' | 'index',
): Promise<number> {
  const [{ id }] = (await db.query(`SELECT nextval(pg_get_serial_sequence('data_key', 'id'))::int AS id`)) as {
    id: number;
  }[];
  const wrapped = await kek.wrap(randomBytes(DATA_KEY_BYTES), wrapContext(id, purpose));
  await db.query(
    `INSERT INTO data_key (id, purpose, wrapped, kek_id, suite, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, purpose, wrapped, kek.id, suite, platformNow()],
  );
  return id;
}

async function unwrapAll(db: Query, kek: KeyEncryptionKey, suite: CryptoSuite) {
  const rows = (await db.query(`SELECT id, purpose, wrapped, kek_id, suite FROM data_key ORDER BY id`)) as KeyRow[];
  const sealKeys = new Map<number, Buffer>();
  let indexKey: Buffer | undefined;
  for (const row of rows) {
    if (row.suite !== suite) {
      throw new Error(
        `the personal data of this database is encrypted with the ${row.suite} suite, and CRYPTO_SUITE is ${suite}: a database keeps the suite it was made with`,
      );
    }
    let key: Buffer;
    try {
      key = await kek.unwrap(row.wrapped, wrapContext(row.id, row.purpose));
    } catch {
      throw new Error(
        `the key-encryption key given (${kek.id}) does not open data key ${row.id}, wrapped by ${row.kek_id}: ` +
          'give the key-encryption key of this database (PII_KEK_FILE); the service does not start without it',
      );
    }
    if (row.purpose === 'index') indexKey ??= key;
    else sealKeys.set(row.id, key);
  }
  if (!indexKey || sealKeys.size === 0) throw new Error('the database holds no data keys');
  return { sealKeys, currentId: Math.max(...sealKeys.keys()), indexKey };
}

let processKeys: PersonalDataKeys | undefined;

/** The keys of this process's deployment (one deployment, one database per process), set once at start. */
export function usePersonalDataKeys(keys: PersonalDataKeys): void {
  processKeys = keys;
}

export function personalDataKeys(): PersonalDataKeys {
  if (!processKeys) throw new Error('the personal-data keys are not open yet');
  return processKeys;
}
