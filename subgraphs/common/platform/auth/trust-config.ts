import { readFileSync } from 'node:fs';
import { type KeySetSource, TrustedKeySet } from './key-set';
import { type JsonWebKeySet, parsePrivateKey, requireSuite } from './keys';
import { ServiceCredential, ServicePeers } from './service-credential';
import type { TokenPolicy } from './tokens';
import type { SharedSettings } from '../config/shared';

/**
 * What one deployment trusts and holds, from its configuration (config/shared.ts):
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

/** The variables of the shared configuration (config/shared.ts) that say whom a deployment trusts. */
export type TrustSettings = Pick<
  SharedSettings,
  | 'CRYPTO_SUITE'
  | 'JWKS_URL'
  | 'JWKS_FILE'
  | 'JWKS'
  | 'JWKS_REFRESH_MS'
  | 'TOKEN_ISSUER'
  | 'TOKEN_AUDIENCE'
  | 'SERVICE_KEY'
  | 'SERVICE_KEY_FILE'
  | 'TRUSTED_SERVICE_KEYS'
  | 'TRUSTED_SERVICE_KEYS_FILE'
>;

/** Where the identity provider's keys come from (the configuration has checked that exactly one is set). */
function identitySource(settings: Pick<TrustSettings, 'JWKS_URL' | 'JWKS_FILE' | 'JWKS'>): KeySetSource {
  if (settings.JWKS_URL) return { url: settings.JWKS_URL };
  if (settings.JWKS_FILE) return { file: settings.JWKS_FILE };
  if (settings.JWKS) return { inline: settings.JWKS };
  throw new Error("the identity provider's public keys are needed: set JWKS_URL, JWKS_FILE or JWKS");
}

const textOf = (file: string | undefined, inline: string | undefined): string | undefined =>
  file ? readFileSync(file, 'utf8') : inline;

export async function trustFrom(settings: TrustSettings): Promise<ServiceTrust> {
  const suite = settings.CRYPTO_SUITE;
  const keys = await TrustedKeySet.load(identitySource(settings), {
    label: "the identity provider's JWKS",
    refreshMs: settings.JWKS_REFRESH_MS,
    suite,
  });
  const ownKey = textOf(settings.SERVICE_KEY_FILE, settings.SERVICE_KEY);
  const peersText = textOf(settings.TRUSTED_SERVICE_KEYS_FILE, settings.TRUSTED_SERVICE_KEYS);
  const peerKeys = peersText
    ? await TrustedKeySet.load({ inline: peersText }, { label: 'TRUSTED_SERVICE_KEYS', suite })
    : TrustedKeySet.fromSet({ keys: [] } as JsonWebKeySet, 'no trusted services', suite);
  const ownJwk = ownKey ? parsePrivateKey(ownKey, 'SERVICE_KEY') : undefined;
  if (ownJwk) requireSuite({ keys: [ownJwk] }, suite, 'SERVICE_KEY');
  return {
    policy: { keys, issuer: settings.TOKEN_ISSUER, audience: settings.TOKEN_AUDIENCE },
    credential: ownJwk ? new ServiceCredential(ownJwk) : undefined,
    peers: new ServicePeers(peerKeys),
  };
}
