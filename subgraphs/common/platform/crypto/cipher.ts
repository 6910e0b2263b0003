import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CryptoSuite } from './suite';

/**
 * Authenticated encryption and keyed hashes of one suite, over a 32-byte data key:
 * - `international`: AES-256-GCM (12-byte nonce, 16-byte tag); HMAC-SHA256.
 * - `gm`: OpenSSL 3 has no SM4-GCM, so SM4-CBC (PKCS #7 padding, random 16-byte IV) then
 *   HMAC-SM3 over everything (encrypt-then-MAC: the tag is checked before anything is decrypted,
 *   so no padding oracle). The SM4 key and the MAC key are derived from the data key with HMAC-SM3
 *   under two fixed labels, so one 32-byte data key serves both suites' stores.
 * A sealed value is `version ‖ …`; the version byte names the suite, and a value of the other
 * suite is refused. `aad` binds a value to where it is kept (table, column, row), so a ciphertext
 * copied to another row does not open.
 */
export const DATA_KEY_BYTES = 32;
const VERSION: Record<CryptoSuite, number> = { international: 0x01, gm: 0x02 };
const GM_ENCRYPTION_LABEL = 'medical-wallet SM4-CBC key';
const GM_MAC_LABEL = 'medical-wallet HMAC-SM3 key';

export class SealedValueRefused extends Error {}

const hashOf: Record<CryptoSuite, string> = { international: 'sha256', gm: 'sm3' };

/** HMAC of the suite (HMAC-SHA256 or HMAC-SM3). */
export function keyedHash(suite: CryptoSuite, key: Uint8Array, data: Uint8Array | string): Buffer {
  return createHmac(hashOf[suite], key).update(data).digest();
}

/** The SM4 key and the HMAC-SM3 key of a data key (`gm`). */
export function gmSubkeys(dataKey: Uint8Array): { encryptionKey: Buffer; macKey: Buffer } {
  return {
    encryptionKey: keyedHash('gm', dataKey, GM_ENCRYPTION_LABEL).subarray(0, 16),
    macKey: keyedHash('gm', dataKey, GM_MAC_LABEL),
  };
}

function requireKey(key: Uint8Array): void {
  if (key.length !== DATA_KEY_BYTES) throw new Error(`a data key is ${DATA_KEY_BYTES} bytes, not ${key.length}`);
}

const lengthOf = (aad: Uint8Array) => {
  const length = Buffer.alloc(8);
  length.writeBigUInt64BE(BigInt(aad.length));
  return length;
};

/** The input of the `gm` MAC: the length of the context, the context, then the sealed bytes before the tag. */
export const gmMacInput = (aad: Uint8Array, head: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array) =>
  Buffer.concat([lengthOf(aad), aad, head, iv, ciphertext]);

export function seal(
  suite: CryptoSuite,
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = Buffer.alloc(0),
): Buffer {
  requireKey(key);
  const head = Buffer.from([VERSION[suite]]);
  if (suite === 'international') {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([head, iv, ciphertext, cipher.getAuthTag()]);
  }
  const { encryptionKey, macKey } = gmSubkeys(key);
  const iv = randomBytes(16);
  const cipher = createCipheriv('sm4-cbc', encryptionKey, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = createHmac('sm3', macKey)
    .update(gmMacInput(aad, head, iv, ciphertext))
    .digest();
  return Buffer.concat([head, iv, ciphertext, tag]);
}

/** The plaintext of a sealed value, or SealedValueRefused (another suite, another key or context, or tampered). */
export function open(
  suite: CryptoSuite,
  key: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array = Buffer.alloc(0),
): Buffer {
  requireKey(key);
  const value = Buffer.from(sealed);
  if (value[0] !== VERSION[suite]) throw new SealedValueRefused(`the value is not sealed with the ${suite} suite`);
  try {
    if (suite === 'international') {
      if (value.length < 1 + 12 + 16) throw new Error('too short');
      const decipher = createDecipheriv('aes-256-gcm', key, value.subarray(1, 13)).setAAD(aad);
      decipher.setAuthTag(value.subarray(value.length - 16));
      return Buffer.concat([decipher.update(value.subarray(13, value.length - 16)), decipher.final()]);
    }
    if (value.length < 1 + 16 + 16 + 32) throw new Error('too short');
    const { encryptionKey, macKey } = gmSubkeys(key);
    const iv = value.subarray(1, 17);
    const ciphertext = value.subarray(17, value.length - 32);
    const expected = createHmac('sm3', macKey)
      .update(gmMacInput(aad, value.subarray(0, 1), iv, ciphertext))
      .digest();
    if (!timingSafeEqual(expected, value.subarray(value.length - 32))) throw new Error('bad tag');
    const decipher = createDecipheriv('sm4-cbc', encryptionKey, iv);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new SealedValueRefused(
      'the value does not open with this key and context (another key, another row, or changed)',
    );
  }
}
