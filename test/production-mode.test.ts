import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RateLimiter, rateLimitFrom } from '../gateway/rate-limit';
import { manifestOf, sha256, TrustedDocuments } from '../gateway/trusted-documents';
import { subgraphServer } from '../subgraphs/common/platform/graphql/apollo';
import { Role } from '../subgraphs/common/platform/auth/caller';
import { buildProvinceSchema } from '../subgraphs/province/graphql/schema';

test('in production mode introspection is off and errors carry no stack trace', async () => {
  const server = subgraphServer(await buildProvinceSchema(), [], { production: true });
  await server.start();
  const caller = { role: Role.NATIONAL_DASHBOARD, subject: 'test' } as const;
  const result = await server.executeOperation(
    { query: '{ __schema { queryType { name } } }' },
    { contextValue: { caller } },
  );
  assert.equal(result.body.kind, 'single');
  const errors = result.body.kind === 'single' ? (result.body.singleResult.errors ?? []) : [];
  assert.equal(errors.length, 1);
  assert.equal(errors[0].extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
  assert.ok(!('stacktrace' in (errors[0].extensions ?? {})));
  await server.stop();
});

test('the rate limit: a burst, then so many a second; past it 429 with Retry-After, per caller', () => {
  let now = 0;
  const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
  const portal = { role: Role.PROVINCIAL_PORTAL, subject: 'p', province: '32' } as const;
  for (let i = 0; i < 3; i++) limiter.take(portal);
  assert.throws(
    () => limiter.take(portal),
    (e: { status?: number; code?: string; headers?: Record<string, string> }) =>
      e.status === 429 && e.code === 'RATE_LIMITED' && e.headers?.['retry-after'] === '1',
  );
  limiter.take({ role: Role.PROVINCIAL_PORTAL, subject: 'p', province: '51' }); // another caller has a bucket of its own
  now = 500;
  limiter.take(portal);
  assert.throws(() => limiter.take(portal));
  assert.deepEqual(rateLimitFrom({ production: true }), { perSecond: 20, burst: 40 });
  assert.equal(rateLimitFrom({ production: false }), undefined);
  assert.equal(rateLimitFrom({ production: true, perSecond: 'off' }), undefined);
  assert.deepEqual(rateLimitFrom({ production: false, perSecond: 5, burst: 7 }), { perSecond: 5, burst: 7 });
});

test('trusted documents: a registered document or its hash runs; anything else is PERSISTED_QUERY_NOT_FOUND', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trusted-'));
  try {
    const body = 'query Figures { provinces { edges { node { code } } } }';
    const file = join(dir, 'manifest.json');
    writeFileSync(file, JSON.stringify(manifestOf([{ name: 'Figures', type: 'query', body }])));
    const trusted = TrustedDocuments.fromFile(file);
    const post = (b: unknown) => trusted.admit({ method: 'POST', body: b, search: '' });
    assert.deepEqual(post({ query: body }).body, { query: body, extensions: {} });
    const byHash = post({
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256(body) } },
      variables: { a: 1 },
    });
    assert.deepEqual(byHash.body, { query: body, variables: { a: 1 }, extensions: {} });
    const get = trusted.admit({
      method: 'GET',
      body: undefined,
      search: `?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256(body) } }))}`,
    });
    assert.equal(new URLSearchParams(get.search).get('query'), body);
    const refused = (e: { status?: number; code?: string }) =>
      e.status === 400 && e.code === 'PERSISTED_QUERY_NOT_FOUND';
    for (const request of [
      { query: `${body} ` },
      { query: '{ __typename }' },
      { extensions: { persistedQuery: { sha256Hash: sha256('x') } } },
      {},
      'text',
      [body],
    ]) {
      assert.throws(() => post(request), refused, JSON.stringify(request));
    }
    assert.throws(() => trusted.admit({ method: 'GET', body: undefined, search: '?query=%7B__typename%7D' }), refused);
    writeFileSync(file, JSON.stringify({ operations: [{ id: sha256('other'), body }] }));
    assert.throws(() => TrustedDocuments.fromFile(file), /not the sha256 of its body/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
