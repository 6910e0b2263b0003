import { decodeProtectedHeader } from 'jose';
// Types as an ES module's (jose is one): the declarations stay usable in a CommonJS project that checks them.
import type { JWK } from './jose-types';
import { Role } from './caller';
import type { TrustedKeySet } from './key-set';
import { signJwt, verifyJwt } from './jwt';
import { bearerToken, verifiedOnce } from './tokens';

const TTL_SECONDS = 600;
/** The audience of every service token: the internal operations, never the graph of callers. */
export const INTERNAL_AUDIENCE = 'medical-wallet-internal';

/**
 * The credential of one deployment for its calls to others: a SERVICE token signed with the
 * deployment's own private key, whose `kid`, issuer and subject are the deployment's name
 * ("national", "province-32", "gateway"), renewed before it expires.
 */
export class ServiceCredential {
  private cached?: { token: string; renewAt: number };
  readonly name: string;

  constructor(private readonly privateJwk: JWK) {
    this.name = privateJwk.kid as string;
  }

  async token(): Promise<string> {
    if (!this.cached || Date.now() >= this.cached.renewAt) {
      const token = await signServiceToken(this.privateJwk, TTL_SECONDS);
      this.cached = { token, renewAt: Date.now() + (TTL_SECONDS / 2) * 1000 };
    }
    return this.cached.token;
  }
}

export async function signServiceToken(privateJwk: JWK, ttlSeconds = TTL_SECONDS): Promise<string> {
  const name = privateJwk.kid as string;
  const now = Math.floor(Date.now() / 1000);
  return signJwt(privateJwk, {
    role: Role.SERVICE,
    iss: name,
    sub: name,
    aud: INTERNAL_AUDIENCE,
    iat: now,
    exp: now + ttlSeconds,
  });
}

/**
 * The deployments this one trusts, by the public key of each (a JWK Set whose `kid`s are their
 * names). Which peer may do what is decided by each internal route (internal-rpc.ts).
 */
export class ServicePeers {
  constructor(private readonly keys: TrustedKeySet) {}

  /** Whether a token names (by `kid`) one of these peers: then it is checked as a service token, not a caller's. */
  names(token: string): boolean {
    try {
      return this.keys.has(decodeProtectedHeader(token).kid);
    } catch {
      return false;
    }
  }

  /** The peer whose service token an Authorization header carries, if it is valid and signed by that peer's key. */
  async peerOf(authorization: string | undefined): Promise<string | undefined> {
    const token = bearerToken(authorization);
    if (!token) return undefined;
    try {
      return await verifiedOnce(token, this.keys, async () => {
        const { payload, protectedHeader } = await verifyJwt(token, this.keys, {
          audience: INTERNAL_AUDIENCE,
          requiredClaims: ['exp'],
        });
        const name = protectedHeader.kid;
        if (!name || payload.iss !== name || payload.sub !== name || payload.role !== Role.SERVICE)
          throw new Error('not a service token of its key');
        return { value: name, kid: name, payload };
      });
    } catch {
      return undefined;
    }
  }
}
