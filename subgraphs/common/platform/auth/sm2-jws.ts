import type { KeyObject } from 'node:crypto';
// Types as an ES module's (jose is one): the declarations stay usable in a CommonJS project that checks them.
import type { JWK, JWTPayload } from './jose-types';
import { newSm2KeyMaterial, sm2PrivateKey, sm2PublicKey, sm2Sign, sm2Verify } from '../crypto/sm2';

/**
 * JSON Web Tokens signed with SM2 (RFC 7515 compact serialization, RFC 7519 claims) for the `gm`
 * suite. jose has no SM2, so this is the one algorithm written here; jose keeps the others.
 * - `alg` is "SM2SM3" (SM2 signature over SM3, see crypto/sm2.ts for the identifier used in Z);
 *   the signature is r ‖ s, 64 bytes, base64url as every JWS part.
 * - keys are JWKs of kty "EC", crv "SM2" (x, y, d base64url of 32 bytes each).
 * - a token is refused unless: exactly three canonical base64url parts; a header naming exactly this
 *   algorithm and a known `kid`, with no `crit` (no extension is understood); a valid signature;
 *   a JSON object payload; `exp` in the future, `nbf` (if any) passed, the issuer and audience asked for.
 */
export const SM2_JWS_ALGORITHM = 'SM2SM3';
export const SM2_CURVE = 'SM2';

/** A token refused; `code` follows jose's codes where one means the same (ERR_JWT_EXPIRED). */
export class JwtRefused extends Error {
  constructor(
    message: string,
    readonly code = 'ERR_JWT_INVALID',
  ) {
    super(message);
  }
}

export function isSm2Jwk(jwk: JWK): boolean {
  return jwk.kty === 'EC' && jwk.crv === SM2_CURVE;
}

const bytes = (value: unknown, what: string): Buffer => {
  const decoded = typeof value === 'string' ? canonicalBase64url(value) : undefined;
  if (!decoded || decoded.length !== 32) throw new Error(`an SM2 JWK's ${what} is 32 bytes in base64url`);
  return decoded;
};

const keyObjects = new WeakMap<JWK, KeyObject>();

/** The KeyObject of an SM2 JWK (private if it has `d`), built once per JWK. */
export function sm2KeyOfJwk(jwk: JWK): KeyObject {
  let key = keyObjects.get(jwk);
  if (!key) {
    if (!isSm2Jwk(jwk)) throw new Error(`key ${jwk.kid ?? '(no kid)'} is not an SM2 key (kty EC, crv SM2)`);
    const material = { x: bytes(jwk.x, 'x'), y: bytes(jwk.y, 'y') };
    key = jwk.d === undefined ? sm2PublicKey(material) : sm2PrivateKey({ ...material, d: bytes(jwk.d, 'd') });
    keyObjects.set(jwk, key);
  }
  return key;
}

export function newSm2Jwk(kid: string): { privateJwk: JWK; publicJwk: JWK } {
  const { x, y, d } = newSm2KeyMaterial();
  const publicJwk: JWK = {
    kty: 'EC',
    crv: SM2_CURVE,
    x: x.toString('base64url'),
    y: y.toString('base64url'),
    kid,
    alg: SM2_JWS_ALGORITHM,
    use: 'sig',
  };
  return { privateJwk: { ...publicJwk, d: d.toString('base64url') }, publicJwk };
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs a JWT with an SM2 private JWK; the header names its `kid`. */
export function signSm2Jwt(payload: JWTPayload, privateJwk: JWK): string {
  if (typeof privateJwk.kid !== 'string') throw new Error('a signing key names itself (kid)');
  const input = `${encode({ alg: SM2_JWS_ALGORITHM, kid: privateJwk.kid, typ: 'JWT' })}.${encode(payload)}`;
  return `${input}.${sm2Sign(Buffer.from(input), sm2KeyOfJwk(privateJwk)).toString('base64url')}`;
}

export interface JwtCheck {
  audience: string;
  issuer?: string;
  requiredClaims: readonly string[];
}

export interface VerifiedJwt {
  payload: JWTPayload;
  protectedHeader: { alg: string; kid: string; typ?: string };
}

/** base64url without padding, and only its canonical spelling (Buffer's decoder forgives junk). */
function canonicalBase64url(part: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) return undefined;
  const decoded = Buffer.from(part, 'base64url');
  return decoded.toString('base64url') === part ? decoded : undefined;
}

function jsonObject(part: string, what: string): Record<string, unknown> {
  const decoded = canonicalBase64url(part);
  let value: unknown;
  try {
    value = decoded ? JSON.parse(decoded.toString('utf8')) : undefined;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new JwtRefused(`the token's ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Verifies an SM2-signed JWT, the key found by its `kid`; throws JwtRefused. */
export async function verifySm2Jwt(
  token: string,
  keyOf: (kid: string) => Promise<KeyObject | undefined>,
  check: JwtCheck,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<VerifiedJwt> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtRefused('a token is three parts');
  const header = jsonObject(parts[0], 'header');
  if (header.alg !== SM2_JWS_ALGORITHM)
    throw new JwtRefused(`only ${SM2_JWS_ALGORITHM} tokens are accepted here`, 'ERR_JOSE_ALG_NOT_ALLOWED');
  if ('crit' in header) throw new JwtRefused('the token asks for extensions (crit) this verifier does not know');
  if (typeof header.kid !== 'string') throw new JwtRefused('the token names no key (kid)');
  const signature = canonicalBase64url(parts[2]);
  const key = await keyOf(header.kid);
  if (!key) throw new JwtRefused(`no key ${header.kid} in the key set`, 'ERR_JWKS_NO_MATCHING_KEY');
  if (!signature || !sm2Verify(Buffer.from(`${parts[0]}.${parts[1]}`), signature, key))
    throw new JwtRefused('the signature is not valid', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  const payload = jsonObject(parts[1], 'payload') as JWTPayload;
  for (const claim of check.requiredClaims)
    if (!(claim in payload)) throw new JwtRefused(`the token has no ${claim} claim`);
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    if (claim in payload && !Number.isFinite(payload[claim]))
      throw new JwtRefused(`the ${claim} claim is not a number`);
  }
  if (payload.exp !== undefined && payload.exp <= nowSeconds)
    throw new JwtRefused('the token has expired', 'ERR_JWT_EXPIRED');
  if (payload.nbf !== undefined && payload.nbf > nowSeconds) throw new JwtRefused('the token is not valid yet');
  if (check.issuer !== undefined && payload.iss !== check.issuer) throw new JwtRefused('unexpected issuer');
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.includes(check.audience)) throw new JwtRefused('unexpected audience');
  return {
    payload,
    protectedHeader: {
      alg: SM2_JWS_ALGORITHM,
      kid: header.kid,
      ...(typeof header.typ === 'string' ? { typ: header.typ } : {}),
    },
  };
}
