import type { DataSource } from 'typeorm';
import { keyEncryptionKeyFromEnv } from './key-encryption-key';
import { PersonalDataKeys, usePersonalDataKeys } from './personal-data-keys';
import { keepColumnsSealed, type SealedColumn, sealPlainValues } from './sealed-columns';
import { cryptoSuiteFromEnv } from './suite';
import { log } from '../log';

type Env = Record<string, string | undefined>;

/**
 * Start-up of a deployment's encryption at rest: its KEK (PII_KEK_FILE), its data keys (made on
 * the first start), the data migration of plain values, then the background rotation job
 * (PII_RESEAL_INTERVAL_MS, default 10 s). Any failure stops the start with the reason.
 */
export async function startPersonalDataAtRest(db: DataSource, columns: readonly SealedColumn[], env: Env = process.env): Promise<() => void> {
  const suite = cryptoSuiteFromEnv(env);
  const keys = await PersonalDataKeys.open(db, keyEncryptionKeyFromEnv(env, suite), suite);
  usePersonalDataKeys(keys);
  for (const column of columns) {
    const sealed = await sealPlainValues(db, keys, column);
    if (sealed) log.info({ table: column.table, column: column.plain, sealed }, 'personal data sealed in place (data migration)');
  }
  return keepColumnsSealed(db, keys, columns, Number(env.PII_RESEAL_INTERVAL_MS ?? 10_000));
}
