import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { balanced, enrol, relate, startTestCluster, type TestCluster, transfer } from './support/cluster-fixture';

/**
 * A cluster with copies over HTTPS: each service that runs as two processes is reached through its
 * round-robin front, which serves the service's certificate and verifies each copy's against the
 * cluster's CA. Requests go through every front (gateway, national, province 32), and a copy that
 * is down is skipped as before.
 */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(
    ['32', '51'],
    undefined,
    {},
    { tls: true, replicas: { gateway: 2, national: 2, '32': 2 } },
  );
});

after(async () => {
  await cluster?.stop();
});

test('every front speaks HTTPS; transfers go through the fronts of the gateway, national and province 32, with one copy of national killed too', async () => {
  assert.match(cluster.gatewayUrl, /^https:/);
  for (const service of [cluster.national, cluster.gateway, ...cluster.provinces.values()])
    assert.match(service.baseUrl, /^https:/);
  const plain = cluster.national.baseUrl.replace(/^https:/, 'http:');
  await assert.rejects(fetch(`${plain}/health`), 'the front does not answer plain HTTP');
  const donor = await enrol(cluster, { region: '320500', currentYear: '100.00' });
  const beneficiary = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const relationship = await relate(cluster, donor, beneficiary);
  for (let i = 0; i < 2; i++) {
    // two, then one with a copy down: R24 allows a donor three a day
    const sent = await transfer(cluster, relationship, '1.00');
    assert.deepEqual(sent.errors, undefined);
  }
  await cluster.kill('national#1');
  const afterKill = await transfer(cluster, relationship, '1.00');
  assert.deepEqual(afterKill.errors, undefined, 'the front skips the copy that is down');
  await cluster.restart('national#1');
  await cluster.waitUntilQuiet(120_000);
  await balanced(cluster);
});
