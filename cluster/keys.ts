import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from '../subgraphs/common/platform/auth/jose-types';
import {
  type JsonWebKeySet,
  type KeyPair,
  newKeyPair,
  parseKeySet,
  parsePrivateKey,
  publicHalf,
  suiteOfJwk,
} from '../subgraphs/common/platform/auth/keys';
import { makeKeyEncryptionKeyFile } from '../subgraphs/common/platform/crypto/key-encryption-key';
import type { CryptoSuite } from '../subgraphs/common/platform/crypto/suite';
import { ServiceCredential } from '../subgraphs/common/platform/auth/service-credential';
import type { SigningIdentity } from '../subgraphs/common/platform/auth/tokens';

/**
 * The keys of a cluster on one machine, in its keys folder. In development the cluster plays the
 * identity provider (its private key signs callers' tokens, `npm run token`; its public JWKS is
 * what every service checks them with) and makes every deployment's own service key pair:
 *
 *   identity-provider.private.jwk   the identity provider's signing key (mode 0600)
 *   jwks.json                       its public keys: the current one, and the previous during a rotation
 *   <deployment>.private.jwk        one deployment's own key (mode 0600): gateway, national, province-32, ...
 *   <deployment>.public.jwk         its public half, given to the peers that trust it
 *   <deployment>.kek                its key-encryption key for personal data at rest (mode 0600)
 *
 * The keys are of one cryptography suite (Ed25519 for `international`, SM2 for `gm`): a folder made
 * for one suite is refused for the other (the cluster keeps the `gm` keys in a `gm` subfolder).
 */
const IDENTITY_FILE = 'identity-provider.private.jwk';
export const JWKS_FILE = 'jwks.json';

const write = (file: string, value: unknown, mode: number) => {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode });
  renameSync(temporary, file); // readers (services re-reading the JWKS) never see half a file
};

const newKid = (prefix: string) =>
  `${prefix}-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;

/** The folder of one suite's keys: the keys folder itself for `international`, its `gm` subfolder for `gm`. */
export const suiteKeysDir = (keysDir: string, suite: CryptoSuite) => (suite === 'gm' ? join(keysDir, 'gm') : keysDir);

export const jwksFile = (keysDir: string) => join(keysDir, JWKS_FILE);
/** A deployment's key-encryption key file (PII_KEK_FILE), made on first use. */
export function keyEncryptionKeyFile(keysDir: string, name: string): string {
  mkdirSync(keysDir, { recursive: true });
  const file = join(keysDir, `${name}.kek`);
  makeKeyEncryptionKeyFile(file);
  return file;
}

export const privateKeyFile = (keysDir: string, name: string) => join(keysDir, `${name}.private.jwk`);
export const publicKeyFile = (keysDir: string, name: string) => join(keysDir, `${name}.public.jwk`);

function readJwks(keysDir: string): JsonWebKeySet {
  const file = jwksFile(keysDir);
  return existsSync(file) ? parseKeySet(readFileSync(file, 'utf8'), file) : { keys: [] };
}

/** A private key read from its file, refused if it is of another suite than asked. */
function readPrivateKey(file: string, suite: CryptoSuite | undefined): JWK {
  const jwk = parsePrivateKey(readFileSync(file, 'utf8'), file);
  if (suite && suiteOfJwk(jwk) !== suite)
    throw new Error(
      `${file} is a key of the ${suiteOfJwk(jwk)} suite, not ${suite}: use a keys folder of its own for each suite`,
    );
  return jwk;
}

/** The suite of the identity provider's key in this folder (the one a token is signed with). */
const suiteOfFolder = (keysDir: string): CryptoSuite | undefined => {
  const file = join(keysDir, IDENTITY_FILE);
  return existsSync(file) ? suiteOfJwk(parsePrivateKey(readFileSync(file, 'utf8'), file)) : undefined;
};

/** The identity provider's signing key, made (with its JWKS) on first use. */
export async function identityProvider(
  keysDir: string,
  suite: CryptoSuite = 'international',
): Promise<SigningIdentity> {
  mkdirSync(keysDir, { recursive: true });
  const file = join(keysDir, IDENTITY_FILE);
  if (!existsSync(file)) {
    const pair = await newKeyPair(newKid('idp'), suite);
    write(file, pair.privateJwk, 0o600);
    write(jwksFile(keysDir), { keys: [pair.publicJwk] }, 0o644);
  }
  return { privateJwk: readPrivateKey(file, suite) };
}

/** The identity provider's signing key if it was made in this folder (npm start makes it); never makes one. */
export function madeIdentityProvider(keysDir: string): SigningIdentity | undefined {
  const file = join(keysDir, IDENTITY_FILE);
  return existsSync(file) ? { privateJwk: readPrivateKey(file, undefined) } : undefined;
}

/** Rotation, step 1: a new signing key; the JWKS holds the new and the previous key, both live. */
export async function rotateIdentityKey(keysDir: string): Promise<SigningIdentity> {
  const suite = suiteOfFolder(keysDir);
  await identityProvider(keysDir, suite);
  const pair = await newKeyPair(newKid('idp'), suite);
  write(jwksFile(keysDir), { keys: [pair.publicJwk, ...readJwks(keysDir).keys.slice(0, 1)] }, 0o644);
  write(join(keysDir, IDENTITY_FILE), pair.privateJwk, 0o600);
  return { privateJwk: pair.privateJwk };
}

/** Rotation, step 2 (once the previous key's tokens have expired): the JWKS keeps the current key only. */
export async function retirePreviousIdentityKeys(keysDir: string): Promise<void> {
  const current = publicHalf((await identityProvider(keysDir, suiteOfFolder(keysDir))).privateJwk);
  write(jwksFile(keysDir), { keys: [current] }, 0o644);
}

/** A deployment's own service key pair (kid = its name), made on first use. */
export async function deploymentKey(
  keysDir: string,
  name: string,
  suite: CryptoSuite = suiteOfFolder(keysDir) ?? 'international',
): Promise<KeyPair> {
  mkdirSync(keysDir, { recursive: true });
  const file = privateKeyFile(keysDir, name);
  if (!existsSync(file)) {
    const pair = await newKeyPair(name, suite);
    write(file, pair.privateJwk, 0o600);
    write(publicKeyFile(keysDir, name), pair.publicJwk, 0o644);
  }
  const privateJwk = readPrivateKey(file, suite);
  return { privateJwk, publicJwk: publicHalf(privateJwk) };
}

/** A JWK Set of the public keys of these deployments, as TRUSTED_SERVICE_KEYS. */
export async function trustedKeys(keysDir: string, names: readonly string[]): Promise<string> {
  const keys: JWK[] = [];
  for (const name of names) keys.push((await deploymentKey(keysDir, name)).publicJwk);
  return JSON.stringify({ keys });
}

/** The service credential of a deployment of a local cluster ("test" is the test harness's own), made from its key. */
export function credentialOf(keysDir: string, deployment: string): Pick<ServiceCredential, 'token'> {
  let credential: Promise<ServiceCredential> | undefined;
  return {
    token: async () => {
      credential ??= deploymentKey(keysDir, deployment).then((pair) => new ServiceCredential(pair.privateJwk));
      return (await credential).token();
    },
  };
}
