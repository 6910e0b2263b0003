import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { request } from 'undici';
import { elsewhere, launchBrowser, skipBrowser, visit } from './support/browser';
import { enrol, startTestCluster, type TestCluster } from './support/cluster-fixture';

/**
 * Browsers: a portal's web application on another origin calls the gateway with its token through
 * CORS (preflights answered before authentication, for allowed origins only), and the GraphQL IDE
 * at GET /graphql loads from the gateway alone and runs a query with a token set in it; in
 * production there is no IDE. In Debian's chromium (test/support/browser.ts).
 */
const skip = skipBrowser('browser-cors-and-ide');
const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-output');
let cluster: TestCluster;
let browser: Browser;
let portalApp: Server;
let otherApp: Server;
const origins: Record<'portal' | 'other', string> = { portal: '', other: '' };

/** A portal's web application: a page whose script calls the gateway, by POST and by GET, with a bearer token. */
const PORTAL_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>江苏省医保门户</title><script>
window.askGateway = async (gateway, token) => {
  const query = '{ members(province: "32", filter: { namePrefix: "伍强" }) { edges { node { name } } } }';
  const headers = { authorization: 'Bearer ' + token };
  const post = await fetch(gateway + '/graphql', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const get = await fetch(gateway + '/graphql?query=' + encodeURIComponent(query), { headers });
  return { post: await post.json(), get: await get.json() };
};
</script></head><body>门户</body></html>`;

async function serve(): Promise<[Server, string]> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(PORTAL_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
}

before(async () => {
  if (skip) return;
  [[portalApp, origins.portal], [otherApp, origins.other], cluster, browser] = await Promise.all([
    serve(),
    serve(),
    startTestCluster(['32']),
    launchBrowser(),
  ]);
  await cluster.restart('gateway', { CORS_ORIGINS: `${origins.portal},https://portal.example.cn` });
  await enrol(cluster, { region: '320500', name: '伍强', currentYear: '100.00' });
});

after(async () => {
  await browser?.close();
  await cluster?.stop();
  for (const server of [portalApp, otherApp])
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

const gateway = () => cluster.gateway.baseUrl;
const names = (answer: { data?: { members?: { edges: { node: { name: string } }[] } } }) =>
  answer.data?.members?.edges.map((e) => e.node.name);

describe('CORS', () => {
  test('a portal page on an allowed origin calls the gateway with its token, by POST and by GET', {
    skip,
  }, async () => {
    const portal = await visit(browser, `${origins.portal}/`);
    const token = await cluster.token({ portal: '32' });
    const answer = await portal.page.evaluate(
      ([g, t]) => (window as unknown as { askGateway(g: string, t: string): Promise<unknown> }).askGateway(g, t),
      [gateway(), token],
    );
    const { post, get } = answer as { post: Parameters<typeof names>[0]; get: Parameters<typeof names>[0] };
    assert.deepEqual(names(post), ['伍强']);
    assert.deepEqual(names(get), ['伍强'], 'a GET query needs nothing but the token');
    assert.deepEqual(portal.problems, []);
    await portal.page.context().close();
  });

  test('a page on another origin is not let in: the browser blocks it after the preflight', { skip }, async () => {
    const other = await visit(browser, `${origins.other}/`);
    const token = await cluster.token({ portal: '32' });
    const refused = await other.page.evaluate(
      ([g, t]) =>
        (window as unknown as { askGateway(g: string, t: string): Promise<unknown> }).askGateway(g, t).then(
          () => 'answered',
          (error: Error) => error.message,
        ),
      [gateway(), token],
    );
    assert.match(String(refused), /Failed to fetch/);
    await other.page.context().close();
  });

  test('preflights are answered before authentication, for allowed origins only, and tell nothing else', {
    skip,
  }, async () => {
    const preflight = (origin: string) =>
      request(`${gateway()}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    const allowed = await preflight(origins.portal);
    assert.equal(allowed.statusCode, 204);
    assert.equal(allowed.headers['access-control-allow-origin'], origins.portal);
    assert.match(String(allowed.headers['access-control-allow-headers']), /authorization/);
    assert.equal(await allowed.body.text(), '');
    const refused = await preflight(origins.other);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
    assert.equal(await refused.body.text(), '', 'nothing about the graph');
    // Without a token an allowed origin may read the refusal, and nothing more.
    const anonymous = await request(`${gateway()}/graphql`, {
      method: 'POST',
      headers: { origin: origins.portal, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.headers['access-control-allow-origin'], origins.portal);
    assert.deepEqual(
      ((await anonymous.body.json()) as { errors: { extensions: { code: string } }[] }).errors.map(
        (e) => e.extensions.code,
      ),
      ['UNAUTHENTICATED'],
    );
  });
});

describe('the GraphQL IDE', () => {
  test('GET /graphql in a browser loads GraphiQL from the gateway alone; with a token set in it, a query runs', {
    skip,
  }, async () => {
    const ide = await visit(browser, `${gateway()}/graphql`);
    await ide.page.locator('.graphiql-container').waitFor({ state: 'visible', timeout: 60_000 });
    await ide.page.fill('#token-input', await cluster.token({ portal: '32' }));
    await ide.page.click('#token-form button');
    await ide.page.locator('.graphiql-execute-button').waitFor({ state: 'visible', timeout: 30_000 });
    await ide.page.click('.graphiql-execute-button');
    await ide.page.waitForFunction(
      () => document.querySelector('.result-window')?.textContent?.includes('伍强'),
      undefined,
      { timeout: 60_000 },
    );
    assert.match(await ide.page.locator('.result-window').innerText(), /"name": "伍强"/);
    assert.equal(await ide.page.evaluate(() => sessionStorage.getItem('ide-token') !== null), true);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await ide.page.screenshot({ path: join(SCREENSHOT_DIR, 'ide.png') });
    assert.deepEqual(elsewhere(ide, new URL(gateway()).origin), [], 'nothing is loaded from anywhere but the gateway');
    assert.deepEqual(
      ide.problems.filter((p) => !/401|Unauthorized/.test(p)),
      [],
      'no script error, no CSP violation',
    );
    await ide.page.context().close();
  });

  test('the IDE page comes with a strict CSP and no other origin; an operation still needs a token', {
    skip,
  }, async () => {
    const page = await fetch(`${gateway()}/graphql`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const rule of ["default-src 'none'", "script-src 'self'", "connect-src 'self'"])
      assert.ok(csp.includes(rule), rule);
    assert.ok(!/https?:\/\//.test(await page.text()), 'no other origin named');
    const query = await fetch(`${gateway()}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'text/html' },
    });
    assert.equal(query.status, 401, 'an operation is not the landing page');
  });

  test('in production there is no IDE: GET /graphql needs a token like any request', { skip }, async () => {
    await cluster.restart('gateway', { NODE_ENV: 'production', CORS_ORIGINS: origins.portal });
    const page = await fetch(`${gateway()}/graphql`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 401);
    assert.equal((await fetch(`${gateway()}/ide/ide.js`)).status, 404);
    assert.equal((await fetch(`${gateway()}/dashboard`)).status, 200, 'the dashboard stays');
  });
});
