import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCluster } from '../cluster/cluster';
import { DEMO_PEOPLE, loadDemoData } from '../cluster/demo-data';
import { Role } from '../subgraphs/common/platform/auth/caller';
import { issueToken } from '../subgraphs/common/platform/auth/tokens';
import { startTestCluster } from './support/cluster-fixture';

test('a second start reuses the data, a reset starts empty, and the demo loads once', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wallet-lifecycle-'));
  try {
    const first = await startTestCluster(['32', '13', '51'], dataDir);
    let ids: Record<string, string>;
    try {
      ids = await loadDemoData(first.gatewayUrl, ['32', '13', '51'], first.identity);
      assert.equal(Object.keys(ids).length, DEMO_PEOPLE.length);
    } finally {
      await first.stop();
    }
    const second = await startTestCluster(['32', '13', '51'], dataDir);
    try {
      assert.deepEqual(
        await loadDemoData(second.gatewayUrl, ['32', '13', '51'], second.identity),
        ids,
        'the demo is not loaded twice',
      );
      const data = await second
        .as({ member: ids.wuQiang })
        .ok(`query($id: ID!) { member(id: $id) { name personalAccount { balance } wallet { activatedAt } } }`, {
          id: ids.wuQiang,
        });
      assert.equal(data.member.name, '伍强');
      assert.equal(data.member.personalAccount.balance, '16450.00');
      assert.ok(data.member.wallet.activatedAt);
      const [entries] = await second.sql<{ n: string }>('32', `SELECT count(*) AS n FROM account_entry`);
      assert.equal(Number(entries.n), 2, 'contributions are credited once across restarts');
    } finally {
      await second.stop();
    }
    const reset = await startCluster({ provinces: ['32'], dataDir, reset: true });
    try {
      const response = await fetch(reset.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await issueToken(reset.identity, { role: Role.MEMBER, subject: ids.wuQiang })}`,
        },
        body: JSON.stringify({ query: `query($id: ID!) { member(id: $id) { id } }`, variables: { id: ids.wuQiang } }),
      });
      assert.deepEqual(await response.json(), { data: { member: null } });
    } finally {
      await reset.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(`${dataDir}-keys`, { recursive: true, force: true });
  }
});
