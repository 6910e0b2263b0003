import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GraphQLResponse } from '../cluster/graphql-client';
import {
  ACCEPT,
  balanced,
  beijingTime,
  codes,
  enrol,
  exitSignal,
  hospital,
  key,
  PREMIUM,
  REFUND,
  relate,
  settle,
  SETTLE,
  startTestCluster,
  type TestCluster,
  transfer,
  TRANSFER,
} from './support/cluster-fixture';

/**
 * R21, R28, R30 through the gateway: one final answer per idempotency key, whatever the copies,
 * repeats and crashes; keys belong to their party; "in doubt" is OUTCOME_PENDING, never a refusal
 * code; with national down the gateway says NATIONAL_UNAVAILABLE with HTTP 503.
 */
let cluster: TestCluster;

before(async () => {
  // Recovery is run by hand where a test looks at what a crash left behind.
  cluster = await startTestCluster(['32', '51'], undefined, { RECOVERY_INTERVAL_MS: String(3_600_000) });
});

after(async () => {
  await cluster?.stop();
});

const COPIES = 50;

/** Sends the same request COPIES times at once. */
const copies = <T>(send: () => Promise<GraphQLResponse<T>>) => Promise.all(Array.from({ length: COPIES }, send));

/** Every copy got the same answer: the same data, or the same error code and message. */
function oneAnswer<T>(responses: GraphQLResponse<T>[]): GraphQLResponse<T> {
  const answers = new Set(
    responses.map((r) => JSON.stringify(r.errors ? r.errors.map((e) => [e.extensions?.code, e.message]) : r.data)),
  );
  assert.equal(answers.size, 1, `one answer for one key, got ${[...answers].join('\n')}`);
  return responses[0];
}

const CREDIT = `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`;
const SPEND_OWN = `mutation($input: SpendFromOwnAccountInput!) { spendFromOwnAccount(input: $input) { amount fromCurrentYear fromAccumulated } }`;
const FRAUDS = `query($p: ID!) { suspectedFrauds(province: $p, page: { first: 100 }) { edges { node { credentialHolderId amount } } } }`;

async function family(currentYear = '1000.00') {
  const donor = await enrol(cluster, { region: '320500', currentYear });
  const beneficiary = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  const relationship = await relate(cluster, donor, beneficiary);
  return { donor, beneficiary, relationship };
}

async function balanceOf(memberId: string): Promise<{ balance: string; held: string }> {
  const [row] = await cluster.sql<{ balance: string; held: string }>(
    memberId.slice(0, 2),
    `SELECT sum(balance)::text AS balance, sum(held)::text AS held FROM account WHERE member_id = $1`,
    [memberId],
  );
  return row;
}

describe(`R21: ${COPIES} simultaneous copies under one key get one answer and one effect`, () => {
  test('transferQuota: one transfer, one hold', async () => {
    const { donor, relationship } = await family();
    const input = {
      relationshipId: relationship,
      amount: '300.00',
      fundSource: 'CURRENT_YEAR',
      idempotencyKey: key('copies'),
    };
    const answer = oneAnswer(await copies(() => cluster.as({ member: donor }).query(TRANSFER, { input })));
    assert.equal(answer.data?.transferQuota.state, 'COMMITTED');
    assert.deepEqual(await balanceOf(donor), { balance: '100000', held: '30000' });
  });

  test('transferQuota refused (INSUFFICIENT_BALANCE, REGIFT_FORBIDDEN): one refusal, never an internal error', async () => {
    const { donor, relationship } = await family('100.00');
    const input = {
      relationshipId: relationship,
      amount: '100.01',
      fundSource: 'CURRENT_YEAR',
      idempotencyKey: key('short'),
    };
    assert.deepEqual(codes(oneAnswer(await copies(() => cluster.as({ member: donor }).query(TRANSFER, { input })))), [
      'INSUFFICIENT_BALANCE',
    ]);
    // A beneficiary who received quota and has an account of their own asks for more than their own.
    const grandson = await enrol(cluster, { region: '320500', currentYear: '10.00' });
    await transfer(cluster, await relate(cluster, donor, grandson, 'SIBLING'), '50.00');
    const regift = await relate(cluster, grandson, await enrol(cluster, { region: '510100', type: 'RESIDENT' }));
    const regiftInput = {
      relationshipId: regift,
      amount: '40.00',
      fundSource: 'CURRENT_YEAR',
      idempotencyKey: key('regift'),
    };
    const answers = await copies(() => cluster.as({ member: grandson }).query(TRANSFER, { input: regiftInput }));
    assert.deepEqual(codes(oneAnswer(answers)), ['REGIFT_FORBIDDEN']);
    assert.deepEqual(await balanceOf(grandson), { balance: '1000', held: '0' });
  });

  test('settleExpense: one settlement, one capture', async () => {
    const { donor, beneficiary, relationship } = await family();
    await transfer(cluster, relationship, '200.00');
    const idempotencyKey = key('settle-copies');
    const answer = oneAnswer(await copies(() => settle(cluster, beneficiary, '150.00', '510100', idempotencyKey)));
    assert.equal(answer.data?.settleExpense.quotaPaid, '150.00');
    assert.equal(
      (await cluster.sql('national', `SELECT id FROM settlement WHERE beneficiary_id = $1`, [beneficiary])).length,
      1,
    );
    await cluster.recover();
    assert.deepEqual(await balanceOf(donor), { balance: '85000', held: '5000' });
  });

  test('payPremium: one premium', async () => {
    const { donor, beneficiary, relationship } = await family();
    await transfer(cluster, relationship, '300.00');
    const input = {
      beneficiaryId: beneficiary,
      kind: 'RESIDENT_MEDICAL_INSURANCE',
      amount: '250.00',
      idempotencyKey: key('premium'),
    };
    const answer = oneAnswer(await copies(() => cluster.as({ member: beneficiary }).query(PREMIUM, { input })));
    assert.equal(answer.data?.payPremium.quotaPaid, '250.00');
    await cluster.recover();
    assert.deepEqual(await balanceOf(donor), { balance: '75000', held: '5000' });
  });

  test('refundSettlement for all that is left: every copy is told of the one refund made', async () => {
    const { beneficiary, relationship } = await family();
    await transfer(cluster, relationship, '300.00');
    const settled = await settle(cluster, beneficiary, '120.00');
    const settlementId = settled.data?.settleExpense.id as string;
    const input = { settlementId, amount: '120.00', idempotencyKey: key('refund-all') };
    const answer = oneAnswer(await copies(() => cluster.as({ portal: '51' }).query(REFUND, { input })));
    assert.equal(answer.data?.refundSettlement.quotaPart, '120.00');
    assert.equal(
      (await cluster.sql('national', `SELECT id FROM refund WHERE settlement_id = $1`, [settlementId])).length,
      1,
    );
  });

  test('creditContribution and spendFromOwnAccount: one entry each', async () => {
    const member = await enrol(cluster, { region: '320500' });
    const credit = { memberId: member, fundSource: 'CURRENT_YEAR', amount: '80.00', idempotencyKey: key('credit') };
    oneAnswer(await copies(() => cluster.as({ portal: '32' }).query(CREDIT, { input: credit })));
    const spend = { memberId: member, amount: '30.00', idempotencyKey: key('spend') };
    assert.equal(
      oneAnswer(await copies(() => cluster.as({ member }).query(SPEND_OWN, { input: spend }))).data?.spendFromOwnAccount
        .amount,
      '30.00',
    );
    const tooMuch = { memberId: member, amount: '50.01', idempotencyKey: key('spend-too-much') };
    assert.deepEqual(
      codes(oneAnswer(await copies(() => cluster.as({ member }).query(SPEND_OWN, { input: tooMuch })))),
      ['INSUFFICIENT_BALANCE'],
    );
    assert.deepEqual(await balanceOf(member), { balance: '5000', held: '0' });
    await balanced(cluster);
  });
});

describe('R21: a refusal is the final answer of its key', () => {
  test('refused for want of money, then money arrives: the same key is still refused, a new key succeeds', async () => {
    const { donor, relationship } = await family('100.00');
    const input = {
      relationshipId: relationship,
      amount: '150.00',
      fundSource: 'CURRENT_YEAR',
      idempotencyKey: key('later'),
    };
    assert.deepEqual(codes(await cluster.as({ member: donor }).query(TRANSFER, { input })), ['INSUFFICIENT_BALANCE']);
    await cluster.as({ portal: '32' }).ok(CREDIT, {
      input: { memberId: donor, fundSource: 'CURRENT_YEAR', amount: '100.00', idempotencyKey: key('topup') },
    });
    assert.deepEqual(codes(await cluster.as({ member: donor }).query(TRANSFER, { input })), ['INSUFFICIENT_BALANCE']);
    const fresh = await cluster
      .as({ member: donor })
      .ok(TRANSFER, { input: { ...input, idempotencyKey: key('fresh') } });
    assert.equal(fresh.transferQuota.state, 'COMMITTED');
  });

  test('refused at night (R24), replayed in the morning: still refused', async () => {
    const { donor, relationship } = await family();
    const input = {
      relationshipId: relationship,
      amount: '10.00',
      fundSource: 'CURRENT_YEAR',
      idempotencyKey: key('night'),
    };
    await cluster.setClock(beijingTime('23:00:00'));
    try {
      assert.deepEqual(codes(await cluster.as({ member: donor }).query(TRANSFER, { input })), ['NIGHT_WINDOW']);
    } finally {
      await cluster.setClock(beijingTime('10:00:00'));
    }
    assert.deepEqual(codes(await cluster.as({ member: donor }).query(TRANSFER, { input })), ['NIGHT_WINDOW']);
  });

  test('a different request under a used key is refused, and changes nothing', async () => {
    const member = await enrol(cluster, { region: '320500', currentYear: '50.00' });
    const idempotencyKey = key('reuse');
    await cluster.as({ member }).ok(SPEND_OWN, { input: { memberId: member, amount: '10.00', idempotencyKey } });
    assert.deepEqual(
      codes(
        await cluster.as({ member }).query(SPEND_OWN, { input: { memberId: member, amount: '11.00', idempotencyKey } }),
      ),
      ['IDEMPOTENCY_CONFLICT'],
    );
    assert.deepEqual(await balanceOf(member), { balance: '4000', held: '0' });
  });
});

describe('R21: keys belong to their party', () => {
  test("two members, and two provinces' staff, using the same key neither conflict nor see each other's answer", async () => {
    const shared = key('shared');
    const a = await family('100.00');
    const b = await family('100.00');
    const asA = await cluster.as({ member: a.donor }).ok(TRANSFER, {
      input: { relationshipId: a.relationship, amount: '10.00', fundSource: 'CURRENT_YEAR', idempotencyKey: shared },
    });
    const asB = await cluster.as({ member: b.donor }).ok(TRANSFER, {
      input: { relationshipId: b.relationship, amount: '20.00', fundSource: 'CURRENT_YEAR', idempotencyKey: shared },
    });
    assert.notEqual(asA.transferQuota.id, asB.transferQuota.id);
    assert.deepEqual([asA.transferQuota.amount, asB.transferQuota.amount], ['10.00', '20.00']);
    // The portal of 32 is a party of its own: the same key opens a new operation of its own.
    const asPortal = await cluster.as({ portal: '32' }).ok(TRANSFER, {
      input: { relationshipId: a.relationship, amount: '30.00', fundSource: 'CURRENT_YEAR', idempotencyKey: shared },
    });
    assert.equal(asPortal.transferQuota.amount, '30.00');
    assert.ok(![asA.transferQuota.id, asB.transferQuota.id].includes(asPortal.transferQuota.id));
    const credit = await cluster.as({ portal: '51' }).query(CREDIT, {
      input: { memberId: a.donor, fundSource: 'CURRENT_YEAR', amount: '1.00', idempotencyKey: shared },
    });
    assert.deepEqual(
      codes(credit),
      ['FORBIDDEN'],
      "another province's portal learns nothing of the key: it may not act here at all",
    );
  });
});

describe('R28: one suspected fraud per attempt', () => {
  test('repeats and simultaneous copies under one key leave one record', async () => {
    const { beneficiary, relationship } = await family();
    await transfer(cluster, relationship, '100.00');
    const stranger = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
    const before = (await cluster.as({ portal: '51' }).ok(FRAUDS, { p: '51' })).suspectedFrauds.edges.length;
    const input = {
      beneficiaryId: beneficiary,
      institution: hospital('510100'),
      category: 'OUTPATIENT',
      amount: '12.34',
      credential: { method: 'FACE', holderId: stranger },
      idempotencyKey: key('fraud'),
    };
    const pay = () => cluster.as({ member: beneficiary }).query(SETTLE, { input });
    assert.deepEqual(codes(await pay()), ['CREDENTIAL_NOT_OWN']);
    assert.deepEqual(codes(await pay()), ['CREDENTIAL_NOT_OWN']);
    assert.deepEqual(codes(oneAnswer(await copies(pay))), ['CREDENTIAL_NOT_OWN']);
    const after = (await cluster.as({ portal: '51' }).ok(FRAUDS, { p: '51' })).suspectedFrauds.edges.length;
    assert.equal(after - before, 1);
    assert.deepEqual(
      codes(
        await cluster
          .as({ member: beneficiary })
          .query(SETTLE, { input: { ...input, idempotencyKey: key('fraud-2') } }),
      ),
      ['CREDENTIAL_NOT_OWN'],
    );
    assert.equal(
      (await cluster.as({ portal: '51' }).ok(FRAUDS, { p: '51' })).suspectedFrauds.edges.length - before,
      2,
      'a new key is a new attempt',
    );
  });
});

describe('R30: in doubt is not refused', () => {
  test('a province that is down before anything is recorded: PROVINCE_UNAVAILABLE, and nothing recorded', async () => {
    const { donor, relationship } = await family();
    await cluster.stopService('32');
    try {
      const input = {
        relationshipId: relationship,
        amount: '10.00',
        fundSource: 'CURRENT_YEAR',
        idempotencyKey: key('down'),
      };
      // The first attempt finds the province gone (recorded, then not answered: in doubt); from then on
      // national knows, and refuses up front, recording nothing.
      const first = await cluster
        .as({ member: donor })
        .query(TRANSFER, { input: { ...input, idempotencyKey: key('down-first') } });
      assert.ok(['PROVINCE_UNAVAILABLE', 'OUTCOME_PENDING'].includes(codes(first)[0] as string), JSON.stringify(first));
      const refused = await cluster.as({ member: donor }).query(TRANSFER, { input });
      assert.deepEqual(codes(refused), ['PROVINCE_UNAVAILABLE']);
      assert.ok(refused.errors?.[0].path, 'the error says which field it is for');
      const rows = await cluster.sql('national', `SELECT id FROM transfer WHERE idempotency_key = $1`, [
        input.idempotencyKey,
      ]);
      assert.deepEqual(rows, [], 'a refusal code: nothing recorded, nothing will happen');
    } finally {
      await cluster.restart('32');
    }
  });

  test('a first call that never left, made when recovery may already have taken the transfer over: in doubt, and the same key gets the final answer', async () => {
    const { donor, relationship } = await family();
    // With no grace, recovery may take a PENDING transfer at once: the request must not give its row up.
    await cluster.restart('national', { RECOVERY_GRACE_SECONDS: '0' });
    await cluster.stopService('32');
    const input = {
      relationshipId: relationship,
      amount: '10.00',
      fundSource: 'CURRENT_YEAR',
      idempotencyKey: key('gone'),
    };
    try {
      const first = await cluster.as({ member: donor }).query(TRANSFER, { input });
      assert.deepEqual(codes(first), ['OUTCOME_PENDING'], JSON.stringify(first));
    } finally {
      await cluster.restart('32');
      await cluster.restart('national');
    }
    const final = await cluster.as({ member: donor }).ok(TRANSFER, { input });
    assert.equal(final.transferQuota.state, 'COMMITTED');
  });

  test("the beneficiary's province killed while debiting their own account: OUTCOME_PENDING, then the final answer", async () => {
    const donor = await enrol(cluster, { region: '510100', currentYear: '500.00' });
    const employee = await enrol(cluster, { region: '320500', currentYear: '20.00' });
    const rel = await relate(cluster, donor, employee, 'CHILD');
    await transfer(cluster, rel, '100.00');
    await cluster.restart('32', { CRASH_AT: 'spendOwn:after' });
    const idempotencyKey = key('spend-crash');
    const during = await settle(cluster, employee, '50.00', '320500', idempotencyKey);
    assert.deepEqual(codes(during), ['OUTCOME_PENDING']);
    assert.equal(during.errors?.[0].extensions?.retryWithSameKey, true);
    assert.equal(await exitSignal(cluster.provinces.get('32')), 'SIGKILL');
    await cluster.restart('32');
    const final = await settle(cluster, employee, '50.00', '320500', idempotencyKey);
    assert.deepEqual(
      [final.data?.settleExpense.state, final.data?.settleExpense.ownAccountPaid, final.data?.settleExpense.quotaPaid],
      ['SETTLED', '20.00', '30.00'],
    );
    await cluster.recover();
    await balanced(cluster);
  });
});

describe('national down: NATIONAL_UNAVAILABLE with HTTP 503, and a change in flight is in doubt', () => {
  async function post(query: string, variables: Record<string, unknown>, token: string) {
    const response = await fetch(cluster.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as GraphQLResponse,
    };
  }

  test('national stopped: reads and changes get 503 NATIONAL_UNAVAILABLE; nothing done', async () => {
    const { donor, relationship } = await family();
    const token = await cluster.token({ member: donor });
    await cluster.national.stop();
    try {
      const read = await post(`query($id: ID!) { member(id: $id) { id } }`, { id: donor }, token);
      assert.equal(read.status, 503);
      assert.ok(read.retryAfter);
      assert.deepEqual(codes(read.body), ['NATIONAL_UNAVAILABLE']);
      const change = await post(
        TRANSFER,
        {
          input: { relationshipId: relationship, amount: '1.00', fundSource: 'CURRENT_YEAR', idempotencyKey: key('n') },
        },
        token,
      );
      assert.equal(change.status, 503);
      assert.deepEqual(codes(change.body), ['NATIONAL_UNAVAILABLE']);
    } finally {
      await cluster.restart('national');
    }
  });

  test('national killed after recording a transfer: OUTCOME_PENDING; after its restart the same key gets COMMITTED', async () => {
    const { donor, beneficiary, relationship } = await family();
    await cluster.restart('national', { CRASH_AT: 'recordTransfer:after' });
    const input = {
      relationshipId: relationship,
      amount: '77.00',
      fundSource: 'CURRENT_YEAR',
      idempotencyKey: key('national-crash'),
    };
    const during = await cluster.as({ member: donor }).query(TRANSFER, { input });
    assert.deepEqual(codes(during), ['OUTCOME_PENDING']);
    assert.equal(await exitSignal(cluster.national), 'SIGKILL');
    await cluster.restart('national');
    const final = await cluster.as({ member: donor }).ok(TRANSFER, { input });
    assert.equal(final.transferQuota.state, 'COMMITTED');
    await cluster.as({ member: beneficiary }).ok(ACCEPT, { id: final.transferQuota.id });
    assert.deepEqual(await balanceOf(donor), { balance: '100000', held: '7700' });
    await balanced(cluster);
  });
});

describe('gateway health', () => {
  test('a restarted province is routed to again as soon as it answers, not at the next periodic check', async () => {
    const member = await enrol(cluster, { region: '320500', currentYear: '1.00' });
    await cluster.restart('gateway', { HEALTH_CHECK_INTERVAL_MS: String(3_600_000) });
    await cluster.kill('32');
    const healthOf32 = async () => {
      const body = (await (await fetch(`${cluster.gateway.baseUrl}/health`)).json()) as {
        provinces: { province: string; state: string }[];
      };
      return body.provinces.find((p) => p.province === '32')?.state;
    };
    await cluster
      .as({ member })
      .query(`query($id: ID!) { member(id: $id) { personalAccount { balance } } }`, { id: member });
    await cluster.restart('32');
    const deadline = Date.now() + 60_000;
    while ((await healthOf32()) !== 'healthy' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await healthOf32(), 'healthy', 'seen long before the hourly periodic check');
    await cluster.restart('gateway');
  });
});
