import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FundSource } from '../subgraphs/common/domain/enums';
import { deploymentCertificate, developmentCa, tlsDir } from '../cluster/certificates';
import { provinceOperations } from '../subgraphs/common/platform/http/internal-contract';
import { internalClient, ServiceUnreachable } from '../subgraphs/common/platform/http/internal-rpc';
import { trustInternalCa } from '../subgraphs/common/platform/http/transit-tls';

/**
 * The internal client tells a request that never left (no connection: refused, or a TLS handshake
 * that failed) from one that was sent and got no answer: only the first lets a money path say that
 * nothing happened (R30). Real HTTPS servers on free ports, real certificates made with openssl.
 */
const trustedKeys = mkdtempSync(join(tmpdir(), 'never-sent-trusted-'));
const otherKeys = mkdtempSync(join(tmpdir(), 'never-sent-other-'));
const servers: Server[] = [];
const credential = { token: async () => 'not checked by these servers' };
const input = { holdId: 'h1', memberId: '320500-00000001', fundSource: FundSource.CURRENT_YEAR, amount: 100n };

/** A certificate from the trusted CA, but for another host name than the one called. */
function certificateForAnotherName(): { cert: string; key: string } {
  const dir = tlsDir(trustedKeys);
  const key = join(dir, 'elsewhere.key');
  const request = join(dir, 'elsewhere.csr');
  const extensions = join(dir, 'elsewhere.ext');
  const cert = join(dir, 'elsewhere.crt');
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  openssl(['req', '-new', '-key', key, '-subj', '/CN=elsewhere', '-out', request]);
  writeFileSync(extensions, 'subjectAltName=DNS:elsewhere.example\n');
  openssl(
    ['x509', '-req', '-in', request, '-CA', developmentCa(trustedKeys), '-CAkey', join(dir, 'ca.key')].concat([
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      extensions,
      '-out',
      cert,
    ]),
  );
  return { cert, key };
}

async function serve(
  files: { cert: string; key: string },
  handle: (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void,
): Promise<string> {
  const server = createHttpsServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) }, handle);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function failureOf(baseUrl: string, timeoutMs = 5_000): Promise<ServiceUnreachable> {
  const client = internalClient(baseUrl, provinceOperations, credential, timeoutMs);
  const error = await client.call('placeHold', input).then(
    () => assert.fail('the call was expected to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ServiceUnreachable, `a ServiceUnreachable, not ${String(error)}`);
  return error;
}

let received = 0;
const answer = (response: import('node:http').ServerResponse) =>
  response.writeHead(200, { 'content-type': 'application/json' }).end('{"result":{"done":true}}');

before(() => {
  trustInternalCa({ TLS_CA_FILE: developmentCa(trustedKeys) });
});

after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const dir of [trustedKeys, otherKeys]) rmSync(dir, { recursive: true, force: true });
});

test('a peer of the trusted CA is called and answers', async () => {
  const url = await serve(deploymentCertificate(trustedKeys, 'province-32'), (request, response) => {
    received += 1;
    request.resume().on('end', () => answer(response));
  });
  const client = internalClient(url, provinceOperations, credential, 5_000);
  assert.deepEqual(await client.call('placeHold', input), { done: true });
});

test('a certificate of another CA: the handshake fails, the request never left', async () => {
  const before = received;
  const url = await serve(deploymentCertificate(otherKeys, 'province-32'), (_request, response) => {
    received += 1;
    answer(response);
  });
  const failure = await failureOf(url);
  assert.equal(failure.neverSent, true, failure.message);
  assert.equal(failure.timedOut, false);
  assert.equal(received, before, 'the server read no request');
});

test('a certificate for another host name: the handshake fails, the request never left', async () => {
  const url = await serve(certificateForAnotherName(), (_request, response) => answer(response));
  const failure = await failureOf(url);
  assert.equal(failure.neverSent, true, failure.message);
});

test('a refused connection: never sent', async () => {
  const url = await serve(deploymentCertificate(trustedKeys, 'province-13'), (_request, response) => answer(response));
  const server = servers.pop() as Server;
  await new Promise((resolve) => server.close(resolve));
  const failure = await failureOf(url);
  assert.equal(failure.neverSent, true, failure.message);
});

test('a request read and its connection dropped, or no answer in time: sent, in doubt', async () => {
  const dropping = await serve(deploymentCertificate(trustedKeys, 'province-51'), (request) => {
    request.resume().on('end', () => request.socket.destroy());
  });
  const dropped = await failureOf(dropping);
  assert.equal(dropped.neverSent, false, dropped.message);
  const silent = await serve(deploymentCertificate(trustedKeys, 'national'), (request) => {
    request.resume(); // read, never answered
  });
  const timedOut = await failureOf(silent, 500);
  assert.equal(timedOut.neverSent, false, timedOut.message);
  assert.equal(timedOut.timedOut, true);
});
