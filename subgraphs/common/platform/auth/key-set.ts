import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors } from 'jose';
// Types as an ES module's (jose is one): the declarations stay usable in a CommonJS project that checks them.
import type { JWTVerifyGetKey } from 'jose' with { 'resolution-mode': 'import' };
import { type JsonWebKeySet, parseKeySet } from './keys';
import { log } from '../log';

/** Where a set of public keys comes from: given inline, a file, or a URL (an identity provider's JWKS endpoint). */
export type KeySetSource = { inline: string } | { file: string } | { url: string };

export interface KeySetOptions {
  /** How often the set is read again (rotation: new keys appear, retired ones go). */
  refreshMs?: number;
  /** What the set is, for messages ("the identity provider's JWKS"). */
  label: string;
}

const describe = (source: KeySetSource) => ('url' in source ? source.url : 'file' in source ? source.file : 'the inline key set');

async function read(source: KeySetSource, label: string): Promise<JsonWebKeySet> {
  if ('inline' in source) return parseKeySet(source.inline, label);
  if ('file' in source) return parseKeySet(readFileSync(source.file, 'utf8'), `${label} (${source.file})`);
  const response = await fetch(source.url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return parseKeySet(await response.text(), `${label} (${source.url})`);
}

/**
 * A JWK Set to verify signatures with, kept current: read at start (a set that cannot be read
 * stops the service: it never runs open), then again every `refreshMs` and when a token names a
 * key it does not know (at most once a second), so a new key works at once and a retired key is
 * refused from the next read on. The keys are chosen by `kid` by jose's local JWKS.
 */
export class TrustedKeySet {
  private getKey: JWTVerifyGetKey;
  private kids: Set<string>;
  private count: number;
  private lastReadOnMissMs = 0;
  private timer?: NodeJS.Timeout;

  private constructor(private readonly source: KeySetSource, private readonly options: KeySetOptions, set: JsonWebKeySet) {
    this.getKey = createLocalJWKSet(set);
    this.kids = kidsOf(set);
    this.count = set.keys.length;
    if (!('inline' in source) && options.refreshMs) {
      this.timer = setInterval(() => void this.reload().catch((error: Error) => log.error(`${options.label}: ${error.message}; keeping the keys read before`)), options.refreshMs);
      this.timer.unref();
    }
  }

  static async load(source: KeySetSource, options: KeySetOptions): Promise<TrustedKeySet> {
    let set: JsonWebKeySet;
    try {
      set = await read(source, options.label);
    } catch (error) {
      throw new Error(`cannot read ${options.label} from ${describe(source)}: ${(error as Error).message}. The service does not start without the keys that check tokens.`);
    }
    if (set.keys.length === 0) throw new Error(`${options.label} from ${describe(source)} holds no key`);
    return new TrustedKeySet(source, options, set);
  }

  static fromSet(set: JsonWebKeySet, label: string): TrustedKeySet {
    return new TrustedKeySet({ inline: JSON.stringify(set) }, { label }, set);
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
      if (!(error instanceof errors.JWKSNoMatchingKey) || 'inline' in this.source || Date.now() - this.lastReadOnMissMs < 1000) throw error;
      this.lastReadOnMissMs = Date.now();
      await this.reload();
      return this.getKey(header, token);
    }
  };

  async reload(): Promise<void> {
    const set = await read(this.source, this.options.label);
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
