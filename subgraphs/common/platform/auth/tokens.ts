// Types as an ES module's (jose is one): the declarations stay usable in a CommonJS project that checks them.
import type { JWK, JWTPayload } from './jose-types';
import { isProvinceCode } from '../../domain/reference-data';
import { provinceOfMemberId } from '../../domain/routing-keys';
import { type Caller, Role } from './caller';
import type { TrustedKeySet } from './key-set';
import { signJwt, verifyJwt } from './jwt';
import type { VerifiedJwt } from './sm2-jws';

/**
 * Bearer tokens: JSON Web Tokens (RFC 7519) signed with an asymmetric key (Ed25519, or SM2 in the
 * `gm` suite) and checked with public keys only (jwt.ts). Two kinds, never interchangeable:
 * - caller tokens, signed by the identity provider: its JWKS picks the key by `kid`, the issuer and
 *   audience are configured (TOKEN_ISSUER, TOKEN_AUDIENCE), an expiry is required. Claims: `role`,
 *   `sub` (member id, operator id, portal or dashboard name) and, for staff, `province`.
 * - service tokens (service-credential.ts), signed by one deployment's own key.
 * The algorithm is pinned to the asymmetric ones of the deployment's suite: an HMAC token (`alg`
 * confusion), `alg: none` or a token of the other suite is refused before any key is looked at.
 */
export const DEFAULT_ISSUER = 'medical-wallet-platform';
export const DEFAULT_AUDIENCE = 'medical-wallet-graph';

export class InvalidToken extends Error {}

/** The longest a caller token may be valid for (exp − iat): issued for longer, it is refused. */
export const MAX_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;
const DEFAULT_TOKEN_LIFETIME_SECONDS = 8 * 3600;

export interface TokenRequest {
  role: Role;
  subject: string;
  province?: string;
  ttlSeconds?: number;
}

/** What a verifier trusts: the identity provider's public keys, its issuer name and our audience. */
export interface TokenPolicy {
  keys: TrustedKeySet;
  issuer: string;
  audience: string;
}

export interface SigningIdentity {
  privateJwk: JWK;
  issuer?: string;
  audience?: string;
}

/** Signs a caller token as the identity provider (development: `npm run token`, tests, the demo loader). */
export async function issueToken(identity: SigningIdentity, request: TokenRequest): Promise<string> {
  const lifetime = request.ttlSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (!Number.isSafeInteger(lifetime) || lifetime < 1 || lifetime > MAX_TOKEN_LIFETIME_SECONDS) {
    throw new RangeError(`a token lives 1 to ${MAX_TOKEN_LIFETIME_SECONDS} seconds, not ${lifetime}`);
  }
  const now = Math.floor(Date.now() / 1000);
  return signJwt(identity.privateJwk, {
    role: request.role,
    ...(request.province ? { province: request.province } : {}),
    sub: request.subject,
    iss: identity.issuer ?? DEFAULT_ISSUER,
    aud: identity.audience ?? DEFAULT_AUDIENCE,
    iat: now,
    exp: now + lifetime,
  });
}

/**
 * Tokens already verified, until they expire and while the key that signed them is still in its
 * set: a caller sends the same token on every request, which reaches the gateway and one or more
 * subgraphs, and an Ed25519 check through WebCrypto costs about half a millisecond. Only valid
 * tokens are kept; the oldest go first when the cache is full.
 */
const VERIFIED_CAPACITY = 10_000;
interface Verified<T> {
  keys: TrustedKeySet;
  kid: string | undefined;
  value: T;
  expiresAtMs: number;
}
const verified = new Map<string, Verified<unknown>>();

export async function verifiedOnce<T>(
  token: string,
  keys: TrustedKeySet,
  verify: () => Promise<{ value: T; kid: string | undefined; payload: JWTPayload }>,
): Promise<T> {
  const known = verified.get(token) as Verified<T> | undefined;
  if (known && known.keys === keys && keys.has(known.kid) && Date.now() < known.expiresAtMs) return known.value;
  verified.delete(token);
  const { value, kid, payload } = await verify();
  if (verified.size >= VERIFIED_CAPACITY) verified.delete(verified.keys().next().value as string);
  if (kid !== undefined) verified.set(token, { keys, kid, value, expiresAtMs: (payload.exp as number) * 1000 });
  return value;
}

/** The caller a token names, or InvalidToken (bad signature, unknown or retired key, expired, unknown role, ...). */
export async function verifyToken(policy: TokenPolicy, token: string): Promise<Caller> {
  return verifiedOnce(token, policy.keys, async () => {
    let result: VerifiedJwt;
    try {
      result = await verifyJwt(token, policy.keys, {
        issuer: policy.issuer,
        audience: policy.audience,
        requiredClaims: ['exp', 'iat'],
      });
    } catch (error) {
      throw new InvalidToken(
        (error as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'the token has expired' : 'the token is not valid',
      );
    }
    const { exp, iat } = result.payload as { exp: number; iat: number };
    if (exp - iat > MAX_TOKEN_LIFETIME_SECONDS) {
      throw new InvalidToken(
        `the token is valid for longer than ${MAX_TOKEN_LIFETIME_SECONDS / 86_400} days; ask for a new one`,
      );
    }
    return { value: callerOf(result.payload), kid: result.protectedHeader.kid, payload: result.payload };
  });
}

/** The caller named by verified claims. A caller token never names a service. */
function callerOf(payload: JWTPayload): Caller {
  const subject = typeof payload.sub === 'string' ? payload.sub : '';
  const province =
    typeof payload.province === 'string' && isProvinceCode(payload.province) ? payload.province : undefined;
  switch (payload.role) {
    case Role.MEMBER: {
      const memberProvince = provinceOfMemberId(subject);
      if (memberProvince) return { role: Role.MEMBER, subject, memberId: subject, province: memberProvince };
      break;
    }
    case Role.PROVINCIAL_PORTAL:
      if (province) return { role: Role.PROVINCIAL_PORTAL, subject, province };
      break;
    case Role.WINDOW_OPERATOR:
      if (province && subject) return { role: Role.WINDOW_OPERATOR, subject, operatorId: subject, province };
      break;
    case Role.NATIONAL_DASHBOARD:
      if (subject) return { role: Role.NATIONAL_DASHBOARD, subject };
      break;
  }
  throw new InvalidToken('the token names no valid caller');
}

/** The bearer token of an Authorization header value, if any; the scheme is case-insensitive (RFC 9110). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^bearer +(\S+) *$/i.exec(header) : null;
  return match ? match[1] : undefined;
}
