import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { corsHeaders, corsPolicyFrom, preflight } from '../subgraphs/common/platform/http/cors';

/** CORS_ORIGINS: exact origins only; a preflight and an answer let in those and nobody else. */
const from = (origin?: string) => ({ headers: origin === undefined ? {} : { origin } }) as IncomingMessage;

test('CORS_ORIGINS takes exact origins, unset or empty means none', () => {
  assert.deepEqual(
    [...corsPolicyFrom('https://portal.js.example.cn, http://localhost:5173/').origins],
    ['https://portal.js.example.cn', 'http://localhost:5173'],
  );
  assert.equal(corsPolicyFrom(undefined).origins.size, 0);
  assert.equal(corsPolicyFrom(' , ').origins.size, 0);
});

test('anything but an exact origin stops the gateway at start, naming the entry', () => {
  for (const entry of [
    '*',
    'https://*.example.cn',
    'portal.example.cn',
    'https://portal.example.cn/app',
    'https://portal.example.cn?x=1',
    'null',
    'file:///tmp',
  ]) {
    assert.throws(
      () => corsPolicyFrom(`https://ok.example.cn,${entry}`),
      (error: Error) => error.message.includes(`"${entry}"`),
      entry,
    );
  }
});

test('a preflight from an allowed origin is 204 with what may be sent; any other origin gets 403 and no CORS header', () => {
  const policy = corsPolicyFrom('https://portal.js.example.cn');
  const allowed = preflight(policy, from('https://portal.js.example.cn'));
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers['access-control-allow-origin'], 'https://portal.js.example.cn');
  assert.equal(allowed.headers['access-control-allow-methods'], 'GET, POST');
  assert.match(allowed.headers['access-control-allow-headers'], /\bauthorization\b/);
  assert.equal(allowed.headers['access-control-allow-credentials'], undefined, 'bearer tokens, never cookies');
  for (const origin of [
    'https://portal.js.example.cn.evil.example',
    'http://portal.js.example.cn',
    'null',
    undefined,
  ]) {
    const refused = preflight(policy, from(origin));
    assert.equal(refused.status, 403, String(origin));
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
    assert.deepEqual(corsHeaders(policy, from(origin)), {});
  }
  assert.equal(
    corsHeaders(policy, from('https://portal.js.example.cn'))['access-control-allow-origin'],
    'https://portal.js.example.cn',
  );
});
