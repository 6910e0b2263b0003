import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type ArrivingRequest, RefusedBeforeParsing } from '../subgraphs/common/platform/http/http-server';

/**
 * Trusted documents: with a manifest, the gateway runs only the operations registered in it.
 * The manifest is Apollo's persisted-query manifest format:
 *   { "format": "apollo-persisted-query-manifest", "version": 1,
 *     "operations": [{ "id": "<sha256 hex of body>", "name": "MemberPage", "type": "query", "body": "query MemberPage ..." }] }
 * (`npm run trusted-documents -- ops/*.graphql > manifest.json` builds one). A request names its
 * operation by hash (the persisted-query extension, `{"extensions":{"persistedQuery":{"version":1,
 * "sha256Hash":"…"}}}`) or sends a whole document whose hash is registered; anything else is
 * PERSISTED_QUERY_NOT_FOUND, before it is parsed.
 */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface ManifestOperation {
  id: string;
  name?: string;
  type?: string;
  body: string;
}

export function manifestOf(bodies: readonly { name?: string; type?: string; body: string }[]): {
  format: string;
  version: number;
  operations: ManifestOperation[];
} {
  return {
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: bodies.map((o) => ({ id: sha256(o.body), ...o })),
  };
}

const notFound = () =>
  new RefusedBeforeParsing(
    400,
    'PERSISTED_QUERY_NOT_FOUND',
    'Only registered operations are run here; this one is not in the trusted documents.',
  );

export class TrustedDocuments {
  private constructor(private readonly byHash: ReadonlyMap<string, string>) {}

  static fromFile(file: string): TrustedDocuments {
    let manifest: { operations?: ManifestOperation[] };
    try {
      manifest = JSON.parse(readFileSync(file, 'utf8')) as { operations?: ManifestOperation[] };
    } catch (error) {
      throw new Error(`cannot read the trusted documents ${file}: ${(error as Error).message}`);
    }
    if (!Array.isArray(manifest.operations))
      throw new Error(`${file} is not a persisted-query manifest (no "operations")`);
    const byHash = new Map<string, string>();
    for (const operation of manifest.operations) {
      if (typeof operation.body !== 'string' || sha256(operation.body) !== operation.id) {
        throw new Error(
          `${file}: operation ${operation.name ?? operation.id} has an id that is not the sha256 of its body`,
        );
      }
      byHash.set(operation.id, operation.body);
    }
    return new TrustedDocuments(byHash);
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The registered document a request names, or PERSISTED_QUERY_NOT_FOUND. */
  documentOf(query: unknown, extensions: unknown): string {
    if (typeof query === 'string' && query !== '') {
      if (this.byHash.has(sha256(query))) return query;
      throw notFound();
    }
    const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery
      ?.sha256Hash;
    const body = typeof hash === 'string' ? this.byHash.get(hash) : undefined;
    if (body === undefined) throw notFound();
    return body;
  }

  /** The request with its registered document in `query` (and the persisted-query extension removed). */
  admit(request: ArrivingRequest): ArrivingRequest {
    if (request.method === 'GET') {
      const params = new URLSearchParams(request.search);
      let extensions: unknown;
      try {
        extensions = JSON.parse(params.get('extensions') ?? 'null');
      } catch {
        throw notFound();
      }
      params.set('query', this.documentOf(params.get('query'), extensions));
      params.delete('extensions');
      return { ...request, search: `?${params}` };
    }
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw notFound();
    const { query, extensions, ...rest } = body as Record<string, unknown>;
    const { persistedQuery: _hash, ...otherExtensions } = (extensions ?? {}) as Record<string, unknown>;
    return { ...request, body: { ...rest, query: this.documentOf(query, extensions), extensions: otherExtensions } };
  }
}
