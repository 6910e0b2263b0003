import { exportJWK, generateKeyPair, importJWK } from 'jose';
// Types as an ES module's (jose is one): the declarations stay usable in a CommonJS project that checks them.
import type { JWK } from './jose-types';
import type { CryptoSuite } from '../crypto/suite';
import { isSm2Jwk, newSm2Jwk, SM2_JWS_ALGORITHM } from './sm2-jws';

/**
 * Signing keys: Ed25519 (JWS `EdDSA`, RFC 8037) in the `international` suite, SM2 (JWS `SM2SM3`,
 * sm2-jws.ts) in the `gm` suite. A private key stays with the one party that signs
 * with it (the identity provider, or one deployment); everyone else holds only its public half.
 */
export const SIGNING_ALGORITHM = 'EdDSA';

/** Algorithms a verifier of the `international` suite may accept: asymmetric only, never HMAC or `none`. */
export const ASYMMETRIC_ALGORITHMS = ['EdDSA', 'Ed25519', 'ES256'] as const;

/** The algorithms one suite accepts, and no other: a `gm` deployment refuses Ed25519, and the reverse. */
export const ALGORITHMS_OF: Record<CryptoSuite, readonly string[]> = {
  international: ASYMMETRIC_ALGORITHMS,
  gm: [SM2_JWS_ALGORITHM],
};

/** The suite a JWK belongs to. */
export const suiteOfJwk = (jwk: JWK): CryptoSuite => (isSm2Jwk(jwk) ? 'gm' : 'international');

export interface KeyPair {
  privateJwk: JWK;
  publicJwk: JWK;
}

export interface JsonWebKeySet {
  keys: JWK[];
}

export async function newKeyPair(kid: string, suite: CryptoSuite = 'international'): Promise<KeyPair> {
  if (suite === 'gm') return newSm2Jwk(kid);
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const meta = { kid, alg: SIGNING_ALGORITHM, use: 'sig' };
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}

/** The public half of a JWK (a private JWK minus its private members). */
export function publicHalf(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk;
  return rest;
}

export function isPrivate(jwk: JWK): boolean {
  return typeof jwk.d === 'string';
}

/** Refuses a key set holding a key of another suite than the deployment's (e.g. an Ed25519 key in a `gm` deployment). */
export function requireSuite(set: JsonWebKeySet, suite: CryptoSuite, where: string): JsonWebKeySet {
  const stranger = set.keys.find(
    (k) => suiteOfJwk(k) !== suite || (k.alg !== undefined && !ALGORITHMS_OF[suite].includes(k.alg)),
  );
  if (stranger)
    throw new Error(
      `${where} holds key ${stranger.kid ?? '(no kid)'} (${stranger.kty}/${stranger.crv ?? stranger.alg ?? '?'}), which is not of this deployment's suite ${suite} (CRYPTO_SUITE)`,
    );
  return set;
}

/** Parses a JWK Set, refusing anything that is not one. */
export function parseKeySet(text: string, where: string): JsonWebKeySet {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON`);
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'object' || k === null))
    throw new Error(`${where} is not a JWK Set ({"keys": [...]})`);
  if ((keys as JWK[]).some(isPrivate))
    throw new Error(`${where} holds a private key: a key set to verify with holds public keys only`);
  return { keys: keys as JWK[] };
}

/** Parses one private JWK that names itself (`kid`). */
export function parsePrivateKey(text: string, where: string): JWK {
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new Error(`${where} is not JSON`);
  }
  if (!jwk || !isPrivate(jwk) || typeof jwk.kid !== 'string')
    throw new Error(`${where} is not a private JWK with a kid`);
  return jwk;
}

const importedKeys = new WeakMap<JWK, Promise<CryptoKey | Uint8Array>>();

/** The signing key of a private JWK, imported once. */
export function signingKeyOf(jwk: JWK): Promise<CryptoKey | Uint8Array> {
  let key = importedKeys.get(jwk);
  if (!key) {
    key = importJWK(jwk, jwk.alg ?? SIGNING_ALGORITHM);
    importedKeys.set(jwk, key);
  }
  return key;
}
