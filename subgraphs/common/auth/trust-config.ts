import { readFileSync } from 'node:fs';
import { cryptoSuiteFromEnv } from '../crypto/suite';
import { type KeySetSource, TrustedKeySet } from './key-set';
import { type JsonWebKeySet, parsePrivateKey, requireSuite } from './keys';
import { ServiceCredential, ServicePeers } from './service-credential';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, type TokenPolicy } from './tokens';

/**
 * What one deployment trusts and holds, from its environment:
 * - JWKS_URL | JWKS_FILE | JWKS: the identity provider's public keys (caller tokens), read again
 *   every JWKS_REFRESH_MS (default 60 s); TOKEN_ISSUER, TOKEN_AUDIENCE: what caller tokens must name;
 * - SERVICE_KEY_FILE | SERVICE_KEY: this deployment's own private key (a JWK whose kid is its name);
 * - TRUSTED_SERVICE_KEYS_FILE | TRUSTED_SERVICE_KEYS: the public keys of the peers it accepts calls from;
 * - CRYPTO_SUITE: `international` (default) or `gm`: every key above is of that suite, and only its
 *   algorithm is accepted (a `gm` deployment refuses an Ed25519 token, an `international` one an SM2 token).
 * Nothing here can sign a token for another party: the only private key is the deployment's own.
 */
export interface ServiceTrust {
  policy: TokenPolicy;
  /** This deployment's credential for its calls to others. */
  credential?: ServiceCredential;
  /** The deployments it accepts internal calls from. */
  peers: ServicePeers;
}

type Env = Record<string, string | undefined>;

function oneOf(env: Env, names: string[]): [string, string] | undefined {
  const given = names.filter((n) => env[n]);
  if (given.length > 1) throw new Error(`set only one of ${given.join(', ')}`);
  return given.length ? [given[0], env[given[0]] as string] : undefined;
}

export function identitySource(env: Env): KeySetSource {
  const given = oneOf(env, ['JWKS_URL', 'JWKS_FILE', 'JWKS']);
  if (!given) throw new Error("the identity provider's public keys are needed: set JWKS_URL, JWKS_FILE or JWKS");
  const [name, value] = given;
  return name === 'JWKS_URL' ? { url: value } : name === 'JWKS_FILE' ? { file: value } : { inline: value };
}

function textOf(env: Env, name: string): string | undefined {
  const given = oneOf(env, [`${name}_FILE`, name]);
  if (!given) return undefined;
  return given[0].endsWith('_FILE') ? readFileSync(given[1], 'utf8') : given[1];
}

export async function trustFromEnv(env: Env = process.env): Promise<ServiceTrust> {
  const suite = cryptoSuiteFromEnv(env);
  const refreshMs = Number(env.JWKS_REFRESH_MS ?? 60_000);
  const keys = await TrustedKeySet.load(identitySource(env), { label: "the identity provider's JWKS", refreshMs, suite });
  const ownKey = textOf(env, 'SERVICE_KEY');
  const peersText = textOf(env, 'TRUSTED_SERVICE_KEYS');
  const peerKeys = peersText
    ? await TrustedKeySet.load({ inline: peersText }, { label: 'TRUSTED_SERVICE_KEYS', suite })
    : TrustedKeySet.fromSet({ keys: [] } as JsonWebKeySet, 'no trusted services', suite);
  const ownJwk = ownKey ? parsePrivateKey(ownKey, 'SERVICE_KEY') : undefined;
  if (ownJwk) requireSuite({ keys: [ownJwk] }, suite, 'SERVICE_KEY');
  return {
    policy: { keys, issuer: env.TOKEN_ISSUER || DEFAULT_ISSUER, audience: env.TOKEN_AUDIENCE || DEFAULT_AUDIENCE },
    credential: ownJwk ? new ServiceCredential(ownJwk) : undefined,
    peers: new ServicePeers(peerKeys),
  };
}
