import { errors, jwtVerify, SignJWT } from 'jose';
import { isProvinceCode } from '../reference-data';
import { provinceOfMemberId } from '../routing-keys';
import { type Caller, Role } from './caller';

/**
 * Bearer tokens: HS256 JWTs signed with the platform's secret (AUTH_SECRET), with issuer,
 * audience and expiry always checked. Claims: `role`, `sub` (member id, operator id, portal,
 * dashboard or service name) and, for portals and operators, `province`.
 */
const ISSUER = 'medical-wallet-platform';
const AUDIENCE = 'medical-wallet-graph';
const ALGORITHM = 'HS256';

export class InvalidToken extends Error {}

export interface TokenRequest {
  role: Role;
  subject: string;
  province?: string;
  ttlSeconds?: number;
}

const keys = new Map<string, Uint8Array>();

/** The HMAC key of a secret, decoded once (verification runs on every request). */
function key(secret: string): Uint8Array {
  let bytes = keys.get(secret);
  if (!bytes) {
    bytes = new Uint8Array(Buffer.from(secret, 'base64url'));
    if (bytes.length < 32) throw new Error('AUTH_SECRET must be at least 32 bytes (base64url)');
    keys.set(secret, bytes);
  }
  return bytes;
}

export async function issueToken(secret: string, request: TokenRequest): Promise<string> {
  return new SignJWT({ role: request.role, ...(request.province ? { province: request.province } : {}) })
    .setProtectedHeader({ alg: ALGORITHM })
    .setSubject(request.subject)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds ?? 8 * 3600}s`)
    .sign(key(secret));
}

/**
 * Tokens already verified, until they expire: a caller sends the same token on every request, and
 * each request reaches the gateway and one or more subgraphs. Only valid tokens are kept, keyed by
 * the whole token and the secret that verified it; the oldest go first when the cache is full.
 */
const VERIFIED_CAPACITY = 10_000;
const verified = new Map<string, { secret: string; caller: Caller; expiresAtMs: number }>();

/** The caller a token names, or InvalidToken (bad signature, expired, unknown role, ...). */
export async function verifyToken(secret: string, token: string): Promise<Caller> {
  const known = verified.get(token);
  if (known && known.secret === secret && Date.now() < known.expiresAtMs) return known.caller;
  verified.delete(token);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key(secret), { issuer: ISSUER, audience: AUDIENCE, algorithms: [ALGORITHM] }));
  } catch (error) {
    throw new InvalidToken(error instanceof errors.JWTExpired ? 'the token has expired' : 'the token is not valid');
  }
  const caller = callerOf(payload);
  if (typeof payload.exp === 'number') {
    if (verified.size >= VERIFIED_CAPACITY) verified.delete(verified.keys().next().value as string);
    verified.set(token, { secret, caller, expiresAtMs: payload.exp * 1000 });
  }
  return caller;
}

function callerOf(payload: Record<string, unknown>): Caller {
  const subject = typeof payload.sub === 'string' ? payload.sub : '';
  const province = typeof payload.province === 'string' && isProvinceCode(payload.province) ? payload.province : undefined;
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
    case Role.SERVICE:
      if (subject) return { role: Role.SERVICE, subject };
      break;
  }
  throw new InvalidToken('the token names no valid caller');
}

/** The bearer token of an Authorization header value, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}
