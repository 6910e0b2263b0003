import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { graphql } from '../cluster/graphql-client';
import { enrol, startTestCluster, type TestCluster } from './support/cluster-fixture';

/**
 * Without any OpenTelemetry export configured, every request still has a trace id: the gateway
 * makes one when the caller sent no W3C traceparent (and continues the caller's when it did),
 * passes it to national and the provinces, and each logs it in the request's JSON line.
 */
let cluster: TestCluster;
let member: string;
const lines: { service: string; entry: Record<string, unknown> }[] = [];

before(async () => {
  cluster = await startTestCluster(
    ['32'],
    undefined,
    {},
    {
      onOutput: (service, line) => {
        if (line.startsWith('{')) lines.push({ service, entry: JSON.parse(line) as Record<string, unknown> });
      },
    },
  );
  member = await enrol(cluster, { region: '320500', currentYear: '100.00' });
});

after(async () => {
  await cluster?.stop();
});

const PAGE = 'query MemberPage($id: ID!) { member(id: $id) { name personalAccount { balance } } }';

/** The request lines of the services for the request whose gateway line has this trace id, once all three have logged. */
async function requestLinesOf(traceId: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = new Map(
      lines.filter((l) => l.entry.msg === 'request' && l.entry.traceId === traceId).map((l) => [l.service, l.entry]),
    );
    if (['gateway', 'national', 'province 32'].every((s) => found.has(s)) || Date.now() > deadline) return found;
    await sleep(100);
  }
}

test('a request sent without a traceparent gets one trace id, logged by the gateway, national and the province', async () => {
  const before = lines.length;
  const response = await graphql(
    cluster.gatewayUrl,
    PAGE,
    { id: member },
    { authorization: `Bearer ${await cluster.token({ member })}` },
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  let gatewayLine: Record<string, unknown> | undefined;
  const deadline = Date.now() + 30_000;
  while (!gatewayLine && Date.now() < deadline) {
    gatewayLine = lines
      .slice(before)
      .find((l) => l.service === 'gateway' && l.entry.msg === 'request' && l.entry.operation === 'MemberPage')?.entry;
    if (!gatewayLine) await sleep(100);
  }
  assert.ok(gatewayLine, 'the gateway logged the request');
  const traceId = gatewayLine.traceId as string;
  assert.match(traceId ?? '', /^[\da-f]{32}$/, 'the gateway made a trace id');
  assert.notEqual(traceId, '0'.repeat(32));
  const logged = await requestLinesOf(traceId);
  assert.deepEqual(
    [...logged.keys()].sort(),
    ['gateway', 'national', 'province 32'],
    'national and the province log the same trace id',
  );
});

test("a traceparent the caller sent is continued: its trace id is in every service's line", async () => {
  const traceId = randomBytes(16).toString('hex');
  const response = await graphql(
    cluster.gatewayUrl,
    PAGE,
    { id: member },
    {
      authorization: `Bearer ${await cluster.token({ member })}`,
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-00`,
    },
  );
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  assert.deepEqual([...(await requestLinesOf(traceId)).keys()].sort(), ['gateway', 'national', 'province 32']);
});
