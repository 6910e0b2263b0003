import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  codes,
  enrol,
  key,
  refusedWithoutChange,
  startTestCluster,
  type TestCluster,
  type Who,
} from './support/cluster-fixture';

/**
 * Every refusal names its real cause: who may do it instead, and who the caller is. And every
 * error of a fetch the gateway could not send carries the path of its field.
 */
let cluster: TestCluster;
let suzhou: string; // an employee of 苏州 (32), like 伍强
let chengdu: string; // an employee of 成都 (51)

before(async () => {
  cluster = await startTestCluster(['32', '51']);
  suzhou = await enrol(cluster, { region: '320500', currentYear: '100.00' });
  chengdu = await enrol(cluster, { region: '510100', currentYear: '100.00' });
});

after(async () => {
  await cluster?.stop();
});

const CREDIT = `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`;
const SPEND = `mutation($input: SpendFromOwnAccountInput!) { spendFromOwnAccount(input: $input) { amount } }`;
const POLICY = `mutation($input: TransferPolicyInput!) { setTransferPolicy(input: $input) { code } }`;
const RECONCILE = `query($p: ID!) { reconciliation(province: $p) { balanced } }`;
const STATISTICS = `query($p: ID!) { aidStatistics(from: "2026-01", to: "2026-02", province: $p) { total { aidCount } } }`;
const POSITION = `query($p: ID!) { clearingPosition(province: $p, from: "2026-01-01T00:00:00+08:00", to: "2026-02-01T00:00:00+08:00") { net } }`;

async function refusedSaying(
  who: Who,
  query: string,
  variables: Record<string, unknown>,
  code: string,
  message: RegExp,
) {
  let said = '';
  await refusedWithoutChange(
    cluster,
    async () => {
      const response = await cluster.as(who).query(query, variables);
      said = response.errors?.[0]?.message ?? '';
      return response;
    },
    code,
  );
  assert.match(said, message);
}

describe('a refusal says why', () => {
  test("a portal asking for another province's statistics or clearing position: a portal reads its own province's only", async () => {
    await refusedSaying(
      { portal: '51' },
      STATISTICS,
      { p: '32' },
      'FORBIDDEN',
      /You may not read the aid statistics of province 32: a portal reads its own province's statistics only \(you are the portal of province 51\)/,
    );
    await refusedSaying(
      { portal: '51' },
      POSITION,
      { p: '32' },
      'FORBIDDEN',
      /You may not read the clearing position of province 32: a portal reads its own province's clearing position only \(you are the portal of province 51\)/,
    );
  });

  test("a portal asking for another province's reconciliation: a portal reconciles its own province only", async () => {
    await refusedSaying(
      { portal: '51' },
      RECONCILE,
      { p: '32' },
      'FORBIDDEN',
      /You may not read the report of province 32: a portal reconciles its own province only \(you are the portal of province 51\)/,
    );
  });

  test('a member asking for a report: it is for the dashboard and the portals', async () => {
    await refusedSaying(
      { member: suzhou },
      RECONCILE,
      { p: '32' },
      'FORBIDDEN',
      /for the national dashboard and the provincial portals \(you are member /,
    );
  });

  test("a member crediting a contribution to their own account: that is done by the province's staff", async () => {
    const input = { memberId: suzhou, amount: '1.00', idempotencyKey: key('self-credit') };
    await refusedSaying(
      { member: suzhou },
      CREDIT,
      { input },
      'FORBIDDEN',
      new RegExp(
        `You may not credit contributions in this province: that is done by the province's staff, its portal or a window operator \\(you are member ${suzhou}\\)`,
      ),
    );
  });

  test('the dashboard crediting a contribution: the same, naming the dashboard', async () => {
    const input = { memberId: suzhou, amount: '1.00', idempotencyKey: key('dashboard-credit') };
    await refusedSaying(
      'dashboard',
      CREDIT,
      { input },
      'FORBIDDEN',
      /done by the province's staff.*\(you are the national dashboard\)/,
    );
  });

  test("the portal of another province crediting: that is for the staff of the member's province", async () => {
    // The fetch goes to the member's province (32), whose staff alone may credit there.
    const input = { memberId: suzhou, amount: '1.00', idempotencyKey: key('other-portal-credit') };
    await refusedSaying(
      { portal: '51' },
      CREDIT,
      { input },
      'FORBIDDEN',
      /that is for the staff of province 32 \(you are the portal of province 51\)/,
    );
  });

  test("a member spending from another member's account: a member acts for themself only", async () => {
    const input = { memberId: suzhou, amount: '1.00', idempotencyKey: key('other-member-spend') };
    await refusedSaying(
      { member: chengdu },
      SPEND,
      { input },
      'FORBIDDEN',
      /a member acts for themself only, and this is another member's/,
    );
  });

  test("a window operator acting for a member of another province: staff act for their own province's members", async () => {
    const input = { memberId: suzhou, amount: '1.00', idempotencyKey: key('other-operator-spend') };
    await refusedSaying(
      { operator: 'CD-0007', province: '51' },
      SPEND,
      { input },
      'FORBIDDEN',
      /staff act for the members of their own province only \(you are a window operator of province 51; this is for a member of province 32\)/,
    );
  });

  test("a portal setting another province's transfer policy: a portal acts for its own province only", async () => {
    const input = {
      poolingRegion: '320500',
      dailyTransferLimit: 5,
      transferAmountLimit: '100.00',
      nightWindowStart: '22:00',
      nightWindowEnd: '06:00',
    };
    await refusedSaying(
      { portal: '51' },
      POLICY,
      { input },
      'FORBIDDEN',
      /a portal acts for its own province only \(you are the portal of province 51\)/,
    );
  });
});

describe('a fetch the gateway cannot send says why, at the path of its field', () => {
  test('a member id that names no pooling region: PROVINCE_UNROUTABLE, saying so', async () => {
    const response = await cluster
      .as({ portal: '32' })
      .query(CREDIT, { input: { memberId: 'nobody', amount: '1.00', idempotencyKey: key('nobody') } });
    assert.deepEqual(codes(response), ['PROVINCE_UNROUTABLE']);
    assert.deepEqual(response.errors?.[0].path, ['creditContribution']);
    assert.match(
      response.errors?.[0].message ?? '',
      /the member id "nobody" names no pooling region \(a member id is the six digits of its pooling region, a dash and eight digits/,
    );
  });

  test('a member id of a region in no province: PROVINCE_UNROUTABLE, naming the region', async () => {
    const response = await cluster
      .as({ portal: '32' })
      .query(CREDIT, { input: { memberId: '990100-00000001', amount: '1.00', idempotencyKey: key('region-99') } });
    assert.deepEqual(codes(response), ['PROVINCE_UNROUTABLE']);
    assert.deepEqual(response.errors?.[0].path, ['creditContribution']);
    assert.match(response.errors?.[0].message ?? '', /names the pooling region 990100, which is in no province/);
  });

  test('a province that is not running: PROVINCE_UNAVAILABLE, at the path of each field', async () => {
    const response = await cluster
      .as({ portal: '11' })
      .query(
        `mutation($a: CreditContributionInput!, $b: CreditContributionInput!) { a: creditContribution(input: $a) { amount } b: creditContribution(input: $b) { amount } }`,
        {
          a: { memberId: '110100-00000001', amount: '1.00', idempotencyKey: key('beijing-a') },
          b: { memberId: '110100-00000002', amount: '1.00', idempotencyKey: key('beijing-b') },
        },
      );
    assert.deepEqual(codes(response), ['PROVINCE_UNAVAILABLE', 'PROVINCE_UNAVAILABLE']);
    assert.deepEqual(
      response.errors?.map((e) => e.path),
      [['a'], ['b']],
    );
    assert.match(response.errors?.[0].message ?? '', /Province 11 is not running on this platform/);
  });
});
