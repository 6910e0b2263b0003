import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';

/**
 * SM2 signatures with SM3 (GB/T 32918.2, GM/T 0003.2) through Node's OpenSSL 3.
 *
 * Two traps of Node 20, both checked by test/gm-crypto.test.ts:
 * - a key made by generateKeyPairSync('ec', { namedCurve: 'SM2' }) is an *ECDSA* key on the SM2
 *   curve: it signs ECDSA-with-SM3, not SM2. Only a key read back from its DER encoding is an SM2
 *   key to OpenSSL, so every key here is built from DER (SPKI, PKCS #8).
 * - Node cannot pass the signer's distinguishing identifier (OpenSSL's EVP_PKEY_CTX_set1_id is not
 *   exposed). OpenSSL 3 then computes Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) with an EMPTY
 *   identifier (ENTL = 0), not the default 1234567812345678 of GB/T 35276 / GM/T 0009. Every
 *   party of this platform signs and verifies the same way; an outside SM2 implementation verifies
 *   our signatures (and we verify its) when it is told the identifier is empty (e.g. sm-crypto's
 *   `userId: ''`).
 * Signatures travel as r ‖ s (32 + 32 bytes, as JWS does for ECDSA); OpenSSL speaks DER.
 */
const ALGORITHM_IDENTIFIER = '301306072a8648ce3d020106082a811ccf5501822d'; // id-ecPublicKey, curve sm2p256v1 (1.2.156.10197.1.301)
const SPKI_PREFIX = Buffer.from(`3059${ALGORITHM_IDENTIFIER}034200`, 'hex');
const PKCS8_PREFIX = Buffer.from(`308187020100${ALGORITHM_IDENTIFIER}046d306b0201010420`, 'hex');
const PKCS8_PUBLIC_MARK = Buffer.from('a144034200', 'hex');
const UNCOMPRESSED = 0x04;
/** The order n of the SM2 curve's base point. */
export const SM2_ORDER = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
export const SM2_SIGNATURE_BYTES = 64;

/** An SM2 key's coordinates and, for a private key, its scalar: 32 bytes each. */
export interface Sm2KeyMaterial {
  x: Buffer;
  y: Buffer;
  d?: Buffer;
}

const point = (x: Buffer, y: Buffer) => Buffer.concat([Buffer.from([UNCOMPRESSED]), x, y]);

function checked(key: KeyObject): KeyObject {
  // An 'ec' key would sign ECDSA: the SM2 key type is the only one accepted (Node 20 names it undefined).
  if (key.asymmetricKeyType === 'ec') throw new Error('an SM2 key was read as an ECDSA key');
  return key;
}

function requireLength(value: Buffer, what: string): void {
  if (value.length !== 32) throw new Error(`an SM2 ${what} is 32 bytes, not ${value.length}`);
}

export function sm2PublicKey({ x, y }: Sm2KeyMaterial): KeyObject {
  requireLength(x, 'x coordinate');
  requireLength(y, 'y coordinate');
  return checked(createPublicKey({ key: Buffer.concat([SPKI_PREFIX, point(x, y)]), format: 'der', type: 'spki' }));
}

export function sm2PrivateKey({ x, y, d }: Sm2KeyMaterial): KeyObject {
  if (!d) throw new Error('an SM2 private key needs its scalar d');
  requireLength(d, 'private scalar');
  // The public point given must be the private scalar's own (it enters Z, so a wrong one would sign nonsense).
  const derived = sm2PublicOf(d);
  if (!derived.x.equals(x) || !derived.y.equals(y))
    throw new Error('the SM2 public point does not belong to the private key');
  return checked(
    createPrivateKey({
      key: Buffer.concat([PKCS8_PREFIX, d, PKCS8_PUBLIC_MARK, point(x, y)]),
      format: 'der',
      type: 'pkcs8',
    }),
  );
}

/** A new SM2 key pair from OpenSSL's generator. */
export function newSm2KeyMaterial(): Required<Sm2KeyMaterial> {
  const der = generateKeyPairSync('ec', { namedCurve: 'SM2' }).privateKey.export({ format: 'der', type: 'pkcs8' });
  const publicAt = PKCS8_PREFIX.length + 32;
  if (
    !der.subarray(0, PKCS8_PREFIX.length).equals(PKCS8_PREFIX) ||
    !der.subarray(publicAt, publicAt + PKCS8_PUBLIC_MARK.length).equals(PKCS8_PUBLIC_MARK)
  ) {
    throw new Error('OpenSSL encoded an SM2 private key in an unexpected layout');
  }
  const pointAt = publicAt + PKCS8_PUBLIC_MARK.length + 1;
  return {
    d: der.subarray(PKCS8_PREFIX.length, publicAt),
    x: der.subarray(pointAt, pointAt + 32),
    y: der.subarray(pointAt + 32, pointAt + 64),
  };
}

/** The public point of a private scalar (for keys given as d alone, e.g. a standard's example). */
export function sm2PublicOf(d: Buffer): Sm2KeyMaterial {
  requireLength(d, 'private scalar');
  const key = createPrivateKey({
    key: Buffer.concat([Buffer.from(`3041020100${ALGORITHM_IDENTIFIER}042730250201010420`, 'hex'), d]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return {
    x: spki.subarray(SPKI_PREFIX.length + 1, SPKI_PREFIX.length + 33),
    y: spki.subarray(SPKI_PREFIX.length + 33),
  };
}

/** Signs with SM3 (Z over the empty identifier, see above); answers r ‖ s. */
export function sm2Sign(data: Uint8Array, privateKey: KeyObject): Buffer {
  return derToRaw(sign('sm3', data, checked(privateKey)));
}

/** Whether `signature` (r ‖ s) is a valid SM2-with-SM3 signature of `data` by `publicKey`. */
export function sm2Verify(data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  const der = rawToDer(signature);
  return der !== undefined && verify('sm3', data, checked(publicKey), der);
}

/** r ‖ s as DER (SEQUENCE of two INTEGERs), or undefined when r or s is outside [1, n − 1]. */
export function rawToDer(signature: Uint8Array): Buffer | undefined {
  if (signature.length !== SM2_SIGNATURE_BYTES) return undefined;
  const integers: Buffer[] = [];
  for (const half of [signature.subarray(0, 32), signature.subarray(32)]) {
    const value = BigInt(`0x${Buffer.from(half).toString('hex')}`);
    if (value < 1n || value >= SM2_ORDER) return undefined;
    let bytes = Buffer.from(half);
    while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
    if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    integers.push(Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]));
  }
  const body = Buffer.concat(integers);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** OpenSSL's DER signature as r ‖ s. */
export function derToRaw(der: Buffer): Buffer {
  const fail = () => new Error('OpenSSL answered a malformed SM2 signature');
  if (der[0] !== 0x30 || der[1] !== der.length - 2) throw fail();
  const halves: Buffer[] = [];
  let at = 2;
  for (let i = 0; i < 2; i++) {
    if (der[at] !== 0x02) throw fail();
    const length = der[at + 1];
    let value = der.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    while (value.length > 32 && value[0] === 0) value = value.subarray(1);
    if (value.length > 32 || value.length === 0) throw fail();
    halves.push(Buffer.concat([Buffer.alloc(32 - value.length), value]));
  }
  if (at !== der.length) throw fail();
  return Buffer.concat(halves);
}
