import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { DATA_KEY_BYTES, keyedHash, open, seal } from './cipher';
import type { CryptoSuite } from './suite';

/**
 * The key-encryption key (KEK) of a deployment: it wraps the data keys kept in the deployment's
 * own database (envelope encryption) and never leaves its holder. This is the interface a KMS or
 * an HSM implements: wrap and unwrap a data key, bound to a context (which data key it is), and
 * name the key so a database can say which KEK wrapped its keys.
 */
export interface KeyEncryptionKey {
  /** The name of this KEK (a file key's fingerprint, a KMS key's id): stored beside each data key it wraps. */
  readonly id: string;
  wrap(dataKey: Buffer, context: string): Promise<Buffer>;
  unwrap(wrapped: Buffer, context: string): Promise<Buffer>;
}

/** A KEK of 32 random bytes kept in a file (mode 0600) or a mounted secret, used with the suite's cipher. */
export function localKeyEncryptionKey(key: Buffer, suite: CryptoSuite): KeyEncryptionKey {
  if (key.length !== DATA_KEY_BYTES) throw new Error(`a key-encryption key is ${DATA_KEY_BYTES} bytes`);
  return {
    id: `local:${keyedHash(suite, key, 'key-encryption key fingerprint').subarray(0, 8).toString('hex')}`,
    wrap: async (dataKey, context) => seal(suite, key, dataKey, Buffer.from(context)),
    unwrap: async (wrapped, context) => open(suite, key, wrapped, Buffer.from(context)),
  };
}

/** Makes a KEK file (64 hex digits, mode 0600) unless there is one. */
export function makeKeyEncryptionKeyFile(file: string): void {
  if (!existsSync(file))
    writeFileSync(file, `${randomBytes(DATA_KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
}

/** The KEK of a file: refused when anyone but its owner may read it, or when it is not 64 hex digits. */
export function readKeyEncryptionKeyFile(file: string, suite: CryptoSuite): KeyEncryptionKey {
  if (!existsSync(file)) throw new Error(`the key-encryption key file ${file} does not exist (npm run keys makes one)`);
  const mode = statSync(file).mode & 0o777;
  // Group read is allowed: a Kubernetes Secret mounted with the pod's fsGroup is 0440, root-owned, read through the group.
  if (mode & 0o037)
    throw new Error(
      `the key-encryption key file ${file} may be read by others (mode ${mode.toString(8)}): chmod 600 it`,
    );
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new Error(`the key-encryption key file ${file} is not 64 hex digits`);
  return localKeyEncryptionKey(Buffer.from(text, 'hex'), suite);
}
