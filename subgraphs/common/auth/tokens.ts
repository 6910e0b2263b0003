import { createHmac, timingSafeEqual } from 'node:crypto';
import { isProvinceCode } from '../reference-data';
import { provinceOfMemberId } from '../routing-keys';
import { type Caller, Role } from './caller';

/**
 * Bearer tokens: JSON Web Tokens (RFC 7519) signed with HMAC-SHA-256 (`HS256`, RFC 7518) under
 * the platform's secret (AUTH_SECRET). Exactly one form is accepted: a header naming HS256 and
 * nothing critical, a signature that matches, our issuer and audience, an expiry in the future
 * (required) and no not-before in the future. Claims: `role`, `sub` (member id, operator id,
 * portal, dashboard or service name) and, for portals and operators, `province`.
 *
 * Node's own synchronous HMAC, not WebCrypto: every request is verified in the gateway and again
 * in each subgraph it reaches, and WebCrypto's asynchronous jobs cost more than the hash itself.
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

const keys = new Map<string, Buffer>();

/** The HMAC key of a secret, decoded once. */
function key(secret: string): Buffer {
  let bytes = keys.get(secret);
  if (!bytes) {
    bytes = Buffer.from(secret, 'base64url');
    if (bytes.length < 32) throw new Error('AUTH_SECRET must be at least 32 bytes (base64url)');
    keys.set(secret, bytes);
  }
  return bytes;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const signature = (secret: string, signingInput: string) => createHmac('sha256', key(secret)).update(signingInput).digest('base64url');

export async function issueToken(secret: string, request: TokenRequest): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    role: request.role,
    ...(request.province ? { province: request.province } : {}),
    sub: request.subject,
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now,
    exp: now + (request.ttlSeconds ?? 8 * 3600),
  };
  const signingInput = `${encode({ alg: ALGORITHM, typ: 'JWT' })}.${encode(claims)}`;
  return `${signingInput}.${signature(secret, signingInput)}`;
}

function decodeObject(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidToken('the token is not valid');
  return value as Record<string, unknown>;
}

/** The claims of a token whose signature, header and registered claims all check out. */
function verifiedClaims(secret: string, token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidToken('the token is not valid');
  const [header, payload, given] = parts;
  const expected = Buffer.from(signature(secret, `${header}.${payload}`));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new InvalidToken('the token is not valid');
  let protectedHeader: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    [protectedHeader, claims] = [decodeObject(header), decodeObject(payload)];
  } catch {
    throw new InvalidToken('the token is not valid');
  }
  if (protectedHeader.alg !== ALGORITHM || 'crit' in protectedHeader || !(protectedHeader.typ === undefined || protectedHeader.typ === 'JWT')) {
    throw new InvalidToken('the token is not valid');
  }
  const now = Date.now() / 1000;
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== ISSUER || !audience.includes(AUDIENCE) || typeof claims.exp !== 'number') throw new InvalidToken('the token is not valid');
  if (claims.nbf !== undefined && !(typeof claims.nbf === 'number' && claims.nbf <= now)) throw new InvalidToken('the token is not valid yet');
  if (claims.exp <= now) throw new InvalidToken('the token has expired');
  return claims;
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
  const claims = verifiedClaims(secret, token);
  const caller = callerOf(claims);
  if (verified.size >= VERIFIED_CAPACITY) verified.delete(verified.keys().next().value as string);
  verified.set(token, { secret, caller, expiresAtMs: (claims.exp as number) * 1000 });
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
