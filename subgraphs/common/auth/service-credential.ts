import { Role } from './caller';
import { bearerToken, issueToken, verifyToken } from './tokens';

const TTL_SECONDS = 600;

/**
 * The credential of the internal operations between services: a SERVICE-role token, signed with
 * the platform secret, renewed before it expires. It opens the internal routes and nothing else.
 */
export class ServiceCredential {
  private cached?: { token: string; renewAt: number };

  constructor(private readonly secret: string, private readonly name: string) {}

  async token(): Promise<string> {
    if (!this.cached || Date.now() >= this.cached.renewAt) {
      const token = await issueToken(this.secret, { role: Role.SERVICE, subject: this.name, ttlSeconds: TTL_SECONDS });
      this.cached = { token, renewAt: Date.now() + (TTL_SECONDS / 2) * 1000 };
    }
    return this.cached.token;
  }

  /** Whether an Authorization header carries a valid SERVICE token. */
  async admits(authorization: string | undefined): Promise<boolean> {
    const token = bearerToken(authorization);
    if (!token) return false;
    try {
      return (await verifyToken(this.secret, token)).role === Role.SERVICE;
    } catch {
      return false;
    }
  }
}
