import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors } from 'jose';
// Types as an ES module's (jose is one): the declarations stay usable in a CommonJS project that checks them.
import type { JWTVerifyGetKey } from './jose-types';
import type { CryptoSuite } from '../crypto/suite';
import { type JsonWebKeySet, parseKeySet, requireSuite } from './keys';
import { sm2KeyOfJwk } from './sm2-jws';
import { log } from '../log';

/** Where a set of public keys comes from: given inline, a file, or a URL (an identity provider's JWKS endpoint). */
export type KeySetSource = { inline: string } | { file: string } | { url: string };

export interface KeySetOptions {
  /** How often the set is read again (rotation: new keys appear, retired ones go). */
  refreshMs?: number;
  /** What the set is, for messages ("the identity provider's JWKS"). */
  label: string;
  /** The deployment's suite: a set holding a key of another suite is refused (default international). */
  suite?: CryptoSuite;
}

const describe = (source: KeySetSource) =>
  'url' in source ? source.url : 'file' in source ? source.file : 'the inline key set';

async function read(source: KeySetSource, options: KeySetOptions): Promise<JsonWebKeySet> {
  const { label } = options;
  const where = `${label} (${describe(source)})`;
  let text: string;
  if ('inline' in source) text = source.inline;
  else if ('file' in source) text = readFileSync(source.file, 'utf8');
  else {
    const response = await fetch(source.url, {
      signal: AbortSignal.timeout(5000),
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    text = await response.text();
  }
  return requireSuite(parseKeySet(text, where), options.suite ?? 'international', where);
}

/**
 * A JWK Set to verify signatures with, kept current: read at start (a set that cannot be read
 * stops the service: it never runs open), then again every `refreshMs` and when a token names a
 * key it does not know (at most once a second), so a new key works at once and a retired key is
 * refused from the next read on. The keys are chosen by `kid` by jose's local JWKS (`international`)
 * or by `sm2Key` (`gm`); every key of the set is of the deployment's suite.
 */
export class TrustedKeySet {
  readonly suite: CryptoSuite;
  private set: JsonWebKeySet;
  private getKey: JWTVerifyGetKey;
  private kids: Set<string>;
  private count: number;
  private lastReadOnMissMs = 0;
  private timer?: NodeJS.Timeout;

  private constructor(
    private readonly source: KeySetSource,
    private readonly options: KeySetOptions,
    set: JsonWebKeySet,
  ) {
    this.suite = options.suite ?? 'international';
    this.set = set;
    this.getKey = createLocalJWKSet(set);
    this.kids = kidsOf(set);
    this.count = set.keys.length;
    if (!('inline' in source) && options.refreshMs) {
      this.timer = setInterval(
        () =>
          void this.reload().catch((error: Error) =>
            log.error(`${options.label}: ${error.message}; keeping the keys read before`),
          ),
        options.refreshMs,
      );
      this.timer.unref();
    }
  }

  static async load(source: KeySetSource, options: KeySetOptions): Promise<TrustedKeySet> {
    let set: JsonWebKeySet;
    try {
      set = await read(source, options);
    } catch (error) {
      throw new Error(
        `cannot read ${options.label} from ${describe(source)}: ${(error as Error).message}. The service does not start without the keys that check tokens.`,
      );
    }
    if (set.keys.length === 0) throw new Error(`${options.label} from ${describe(source)} holds no key`);
    return new TrustedKeySet(source, options, set);
  }

  static fromSet(set: JsonWebKeySet, label: string, suite: CryptoSuite = 'international'): TrustedKeySet {
    return new TrustedKeySet({ inline: JSON.stringify(set) }, { label, suite }, requireSuite(set, suite, label));
  }

  /** How many keys the set holds now (readiness: a service with none cannot check a token). */
  get size(): number {
    return this.count;
  }

  /** Whether a key of this id is in the set now (a retired key is not). */
  has(kid: string | undefined): boolean {
    return kid !== undefined && this.kids.has(kid);
  }

  /** The key-resolution function for jose's jwtVerify. */
  readonly resolve: JWTVerifyGetKey = async (header, token) => {
    try {
      return await this.getKey(header, token);
    } catch (error) {
      if (
        !(error instanceof errors.JWKSNoMatchingKey) ||
        'inline' in this.source ||
        Date.now() - this.lastReadOnMissMs < 1000
      )
        throw error;
      this.lastReadOnMissMs = Date.now();
      await this.reload();
      return this.getKey(header, token);
    }
  };

  /** The SM2 public key of this `kid` (`gm` suite), read again on a miss as `resolve` does. */
  async sm2Key(kid: string): Promise<KeyObject | undefined> {
    const find = () => this.set.keys.find((k) => k.kid === kid);
    let jwk = find();
    if (!jwk && !('inline' in this.source) && Date.now() - this.lastReadOnMissMs >= 1000) {
      this.lastReadOnMissMs = Date.now();
      await this.reload();
      jwk = find();
    }
    return jwk ? sm2KeyOfJwk(jwk) : undefined;
  }

  async reload(): Promise<void> {
    const set = await read(this.source, this.options);
    this.set = set;
    this.getKey = createLocalJWKSet(set);
    this.kids = kidsOf(set);
    this.count = set.keys.length;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

function kidsOf(set: JsonWebKeySet): Set<string> {
  return new Set(set.keys.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string'));
}
