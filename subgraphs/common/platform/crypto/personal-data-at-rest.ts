import type { DataSource } from 'typeorm';
import { log } from '../log';
import { readKeyEncryptionKeyFile } from './key-encryption-key';
import { PersonalDataKeys, usePersonalDataKeys } from './personal-data-keys';
import { keepColumnsSealed, type SealedColumn, sealPlainValues } from './sealed-columns';
import type { CryptoSuite } from './suite';

/** What a deployment's encryption at rest is given from its configuration (config/shared.ts). */
export interface PersonalDataSettings {
  suite: CryptoSuite;
  /** PII_KEK_FILE: without it the service does not start. */
  kekFile: string | undefined;
  resealIntervalMs: number;
}

/** The settings of encryption at rest out of a service's typed configuration. */
export const personalDataSettingsOf = (config: {
  CRYPTO_SUITE: CryptoSuite;
  PII_KEK_FILE?: string;
  PII_RESEAL_INTERVAL_MS: number;
}): PersonalDataSettings => ({
  suite: config.CRYPTO_SUITE,
  kekFile: config.PII_KEK_FILE,
  resealIntervalMs: config.PII_RESEAL_INTERVAL_MS,
});

/**
 * Start-up of a deployment's encryption at rest: its KEK (PII_KEK_FILE), its data keys (made on
 * the first start), the data migration of plain values, then the background rotation job
 * (PII_RESEAL_INTERVAL_MS). Any failure stops the start with the reason.
 */
export async function startPersonalDataAtRest(
  db: DataSource,
  columns: readonly SealedColumn[],
  settings: PersonalDataSettings,
): Promise<() => void> {
  if (!settings.kekFile)
    throw new Error(
      'PII_KEK_FILE is needed: the file (or mounted secret) of the key-encryption key that protects personal data at rest',
    );
  const keys = await PersonalDataKeys.open(
    db,
    readKeyEncryptionKeyFile(settings.kekFile, settings.suite),
    settings.suite,
  );
  usePersonalDataKeys(keys);
  for (const column of columns) {
    const sealed = await sealPlainValues(db, keys, column);
    if (sealed) log.info({ table: column.table, sealed }, 'personal data sealed in place (data migration)');
  }
  return keepColumnsSealed(db, keys, columns, settings.resealIntervalMs);
}
