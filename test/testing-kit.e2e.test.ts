import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startCluster } from '../cluster/cluster';
import { beijingTime, type Cluster, startTestCluster } from '../testing';

/**
 * The integration-test kit (testing/): any party acts with the cluster's tokens, the clock moves in
 * a test cluster only, every service stops, dies and comes back on its port and database.
 */
let platform: Cluster;

before(async () => {
  platform = await startTestCluster({ provinces: ['32', '51'], clock: beijingTime('10:00:00') });
});

after(async () => {
  await platform?.stop();
});

describe('the test cluster', () => {
  test('tokens for every party are accepted', async () => {
    const ask = '{ provinces(connectedOnly: true) { edges { node { code } } } }';
    for (const who of [{ portal: '32' }, { operator: 'SZ-0001', province: '32' }, 'dashboard'] as const) {
      const answer = await platform.as(who).query(ask);
      assert.equal(answer.errors, undefined, JSON.stringify(who));
    }
    const enrolled = await platform
      .as({ portal: '32' })
      .ok(`mutation { enrollMember(input: { idNumber: "11010519491231002X", name: "测试",
      insuranceType: RESIDENT, poolingRegion: "320500" }) { id } }`);
    const member = enrolled.enrollMember.id;
    assert.equal(
      (await platform.as({ member }).ok(`query($id: ID!) { member(id: $id) { id } }`, { id: member })).member.id,
      member,
    );
  });

  test('the clock is set and advanced, and a restarted national goes on from it', async () => {
    const set = await platform.setClock(beijingTime('21:59:59'));
    assert.equal(
      set.toISOString(),
      beijingTime('21:59:59')
        .toISOString()
        .replace(/\.\d+Z$/, '.000Z'),
    );
    const later = await platform.advanceClock(60_000);
    assert.ok(later.getTime() >= beijingTime('22:00:59').getTime());
    await platform.kill('national');
    await platform.restart('national');
    const now = await platform.advanceClock(0);
    assert.ok(
      now.getTime() >= later.getTime() && now.getTime() < later.getTime() + 60_000,
      `${now.toISOString()} goes on from ${later.toISOString()}`,
    );
    await platform.setClock(beijingTime('10:00:00'));
  });

  test('every service stops or dies and comes back on the same port; recovery gets quiet; every province reconciles', async () => {
    for (const service of ['32', '51', 'national', 'gateway']) {
      const port =
        service === 'national'
          ? platform.national.port
          : service === 'gateway'
            ? platform.gateway.port
            : platform.provinces.get(service)?.port;
      await platform.kill(service);
      const again = await platform.restart(service);
      assert.equal(again.port, port, service);
    }
    await platform.stopService('51');
    await platform.restart('51');
    await platform.waitUntilQuiet();
    const reports = await platform.reconcile();
    assert.deepEqual(Object.keys(reports).sort(), ['32', '51']);
    for (const report of Object.values(reports)) assert.equal(report.balanced, true);
  });

  test('an unknown service is named as such', async () => {
    await assert.rejects(platform.restart('99'), /no service "99"/);
  });
});

describe('the clock moves in a test cluster only', () => {
  test('national in production mode refuses the test harness', async () => {
    await platform.restart('national', { NODE_ENV: 'production' });
    try {
      await assert.rejects(platform.setClock(beijingTime('23:00:00')), /refused/);
      await assert.rejects(platform.waitUntilQuiet(1000), /refused/);
    } finally {
      await platform.restart('national');
    }
  });

  test('a cluster not started for tests has no clock to move', async () => {
    const plain = await startCluster({
      provinces: ['32'],
      dataDir: mkdtempSync(join(tmpdir(), 'wallet-plain-')),
      ephemeral: true,
    });
    try {
      await assert.rejects(plain.setClock(beijingTime('23:00:00')), /not started for tests/);
    } finally {
      await plain.stop();
    }
  });
});
