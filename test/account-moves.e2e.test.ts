import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  balanced,
  codes,
  DISSOLVE,
  enrol,
  exitSignal,
  key,
  MOVE,
  REFUND,
  relate,
  settle,
  startTestCluster,
  type TestCluster,
  transfer,
  TRANSFER,
} from './support/cluster-fixture';

/**
 * R31 through the gateway: a move carries the personal account, each fund source apart, within a
 * province in one transaction and across provinces through the outbox, whatever is killed in
 * between; and the edges found in use (R19 refunded to the donor, R11, one code for one cause).
 */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(['32', '13', '51'], undefined, { RECOVERY_INTERVAL_MS: String(3_600_000) });
});

after(async () => {
  await cluster?.stop();
});

const ACCOUNT = `query($id: ID!) { member(id: $id) { personalAccount { balance currentYear { balance } accumulated { balance }
  entries(page: { first: 10 }) { edges { node { kind fundSource balanceChange counterpart } } } } } }`;

async function accountOf(memberId: string) {
  return (await cluster.as({ portal: memberId.slice(0, 2) }).ok(ACCOUNT, { id: memberId })).member.personalAccount;
}

const figures = async () => {
  const data = await cluster
    .as('dashboard')
    .ok(`{ provinces(connectedOnly: true) { edges { node { code personalAccountBalance } } } }`);
  return new Map<string, string>(
    data.provinces.edges.map((e: { node: { code: string; personalAccountBalance: string } }) => [
      e.node.code,
      e.node.personalAccountBalance,
    ]),
  );
};

const yuanSum = (a: string, b: string) =>
  ((Math.round(Number(a) * 100) + Math.round(Number(b) * 100)) / 100).toFixed(2);

function move(memberId: string, newPoolingRegion: string, idempotencyKey = key('move')) {
  return cluster
    .as({ portal: memberId.slice(0, 2) })
    .query(MOVE, { input: { memberId, reason: 'MOVED', newPoolingRegion, idempotencyKey } });
}

describe('R31: a move carries the account', () => {
  test("within a province: one transaction, both entries name the other membership, the province's figures unchanged", async () => {
    const member = await enrol(cluster, { region: '320500', currentYear: '1200.00', accumulated: '3400.50' });
    const before = await figures();
    const answer = await move(member, '320100');
    const change = answer.data?.changeInsurance;
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    assert.deepEqual(change.accountMove, {
      state: 'MOVED',
      currentYear: '1200.00',
      accumulated: '3400.50',
      from: { id: member },
      to: change.newMember,
    });
    const moved = await accountOf(change.newMember.id);
    assert.deepEqual(
      [moved.balance, moved.currentYear.balance, moved.accumulated.balance],
      ['4600.50', '1200.00', '3400.50'],
    );
    assert.ok(
      moved.entries.edges.every(
        (e: { node: { kind: string; counterpart: string } }) =>
          e.node.kind === 'TRANSFER_IN' && e.node.counterpart === member,
      ),
    );
    const old = await accountOf(member);
    assert.equal(old.balance, '0.00', 'the ended membership ends at 0.00');
    assert.ok(
      old.entries.edges.some(
        (e: { node: { kind: string; counterpart: string } }) =>
          e.node.kind === 'TRANSFER_OUT' && e.node.counterpart === change.newMember.id,
      ),
    );
    assert.equal((await figures()).get('32'), before.get('32'));
    await balanced(cluster);
  });

  test("across provinces: out of 河北, into 江苏; both provinces' figures follow; a replay moves nothing more", async () => {
    const member = await enrol(cluster, { region: '130100', currentYear: '2400.00', accumulated: '5300.50' });
    const before = await figures();
    const idempotencyKey = key('move-across');
    const first = await move(member, '320500', idempotencyKey);
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    const change = first.data?.changeInsurance;
    assert.deepEqual(
      [change.accountMove.state, change.accountMove.currentYear, change.accountMove.accumulated],
      ['MOVED', '2400.00', '5300.50'],
    );
    assert.match(change.newMember.id, /^320500-/);
    const after = await figures();
    assert.equal(after.get('13'), (Number(before.get('13')) - 7700.5).toFixed(2));
    assert.equal(after.get('32'), yuanSum(before.get('32') as string, '7700.50'));
    const replay = await move(member, '320500', idempotencyKey);
    assert.deepEqual(replay.data?.changeInsurance, change, 'the same key, the same answer');
    assert.deepEqual(codes(await move(member, '320100', idempotencyKey)), ['IDEMPOTENCY_CONFLICT']);
    assert.equal((await accountOf(change.newMember.id)).balance, '7700.50');
    assert.deepEqual(await figures(), after);
    await balanced(cluster);
  });

  test('a donor who moves: the relationships end, the holds are released first, then all of the balance moves', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '800.00' });
    const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
    const rel = await relate(cluster, donor, father);
    await transfer(cluster, rel, '300.00');
    await settle(cluster, father, '100.00');
    const answer = await move(donor, '130100');
    const change = answer.data?.changeInsurance;
    assert.deepEqual(change.endedRelationshipIds, [rel]);
    assert.deepEqual(
      [change.accountMove.state, change.accountMove.currentYear],
      ['MOVED', '700.00'],
      '800.00 less the 100.00 of quota spent',
    );
    assert.equal((await accountOf(change.newMember.id)).balance, '700.00');
    await balanced(cluster);
  });

  for (const [province, point] of [
    ['13', 'moveOut:before'],
    ['13', 'moveOut:after'],
    ['51', 'moveIn:before'],
    ['51', 'moveIn:after'],
  ] as const) {
    test(`the ${province === '13' ? 'old' : 'new'} province killed at ${point}: recovery finishes the move, once`, async () => {
      const member = await enrol(cluster, { region: '130100', currentYear: '100.00', accumulated: '50.00' });
      await cluster.restart(province, { CRASH_AT: point });
      const idempotencyKey = key('move-crash');
      const during = await move(member, '510100', idempotencyKey);
      assert.equal(during.errors, undefined, 'the move is decided and recorded; the provinces follow');
      assert.equal(during.data?.changeInsurance.accountMove.state, 'MOVING');
      assert.equal(await exitSignal(cluster.provinces.get(province)), 'SIGKILL');
      await cluster.restart(province);
      await cluster.recover();
      await cluster.recover();
      const final = await move(member, '510100', idempotencyKey);
      const moved = final.data?.changeInsurance.accountMove;
      assert.deepEqual([moved.state, moved.currentYear, moved.accumulated], ['MOVED', '100.00', '50.00']);
      assert.equal((await accountOf(final.data?.changeInsurance.newMember.id)).balance, '150.00');
      assert.equal((await accountOf(member)).balance, '0.00');
      await balanced(cluster);
    });
  }

  test('the province killed while ending the membership of a move within it: in doubt, never refused; recovery alone finishes it', async () => {
    const member = await enrol(cluster, { region: '510100', currentYear: '60.00', accumulated: '40.00' });
    await cluster.restart('51', { CRASH_AT: 'endMembership:before' });
    const idempotencyKey = key('move-end-crash');
    const during = await move(member, '510700', idempotencyKey);
    assert.deepEqual(codes(during), ['OUTCOME_PENDING'], JSON.stringify(during.errors));
    assert.equal(await exitSignal(cluster.provinces.get('51')), 'SIGKILL');
    await cluster.restart('51');
    await cluster.waitUntilQuiet(120_000); // no request asks again: recovery enrols the new membership and moves the account
    const final = await move(member, '510700', idempotencyKey);
    assert.equal(final.errors, undefined, JSON.stringify(final.errors));
    const moved = final.data?.changeInsurance.accountMove;
    assert.deepEqual([moved.state, moved.currentYear, moved.accumulated], ['MOVED', '60.00', '40.00']);
    assert.equal((await accountOf(final.data?.changeInsurance.newMember.id)).balance, '100.00');
    assert.equal((await accountOf(member)).balance, '0.00');
    await balanced(cluster);
  });

  test('a move while a settlement of the member is in flight: the money is spent or moved, never both, never lost', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '500.00' });
    const member = await enrol(cluster, { region: '130100', currentYear: '80.00' });
    await transfer(cluster, await relate(cluster, donor, member, 'CHILD'), '200.00');
    await cluster.restart('national', { CRASH_AT: 'recordSettlement:after' });
    const idempotencyKey = key('in-flight');
    const during = await settle(cluster, member, '120.00', '130100', idempotencyKey);
    assert.deepEqual(codes(during), ['OUTCOME_PENDING']);
    assert.equal(await exitSignal(cluster.national), 'SIGKILL');
    await cluster.restart('national');
    const moved = await move(member, '510100');
    assert.equal(moved.errors, undefined, JSON.stringify(moved.errors));
    await cluster.recover();
    const settled = (await settle(cluster, member, '120.00', '130100', idempotencyKey)).data?.settleExpense;
    assert.equal(settled.state, 'SETTLED');
    await cluster.recover();
    const newMember = moved.data?.changeInsurance.newMember.id;
    const [own, carried] = [Number(settled.ownAccountPaid), Number((await accountOf(newMember)).balance)];
    assert.equal(
      (own * 100 + carried * 100) / 100,
      80,
      'what was not spent from the own account moved with the member',
    );
    assert.equal((await accountOf(member)).balance, '0.00');
    await balanced(cluster);
  });

  test('a refund of a settlement after its beneficiary moved goes to their new membership', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '500.00' });
    const member = await enrol(cluster, { region: '510100', currentYear: '60.00' });
    await transfer(cluster, await relate(cluster, donor, member, 'CHILD'), '100.00');
    const paid = (await settle(cluster, member, '100.00', '510100')).data?.settleExpense;
    assert.equal(paid.ownAccountPaid, '60.00');
    const moved = (await move(member, '320100')).data?.changeInsurance;
    assert.equal(moved.accountMove.state, 'MOVED');
    const refund = await cluster
      .as({ portal: '51' })
      .ok(REFUND, { input: { settlementId: paid.id, amount: '100.00', idempotencyKey: key('refund') } });
    assert.equal(refund.refundSettlement.ownAccountPart, '60.00');
    await cluster.recover();
    assert.equal((await accountOf(moved.newMember.id)).balance, '60.00');
    assert.equal((await accountOf(member)).balance, '0.00');
    await balanced(cluster);
  });
});

describe('the mutual-aid edges found in use', () => {
  test('R19: quota refunded after the relationship was dissolved goes to the donor and shows on the quota', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '500.00' });
    const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
    const rel = await relate(cluster, donor, father);
    await transfer(cluster, rel, '200.00');
    const paid = (await settle(cluster, father, '80.00')).data?.settleExpense;
    await cluster.as({ member: donor }).ok(DISSOLVE, { input: { relationshipId: rel, channel: 'NATIONAL_APP' } });
    await cluster
      .as({ portal: '51' })
      .ok(REFUND, { input: { settlementId: paid.id, amount: '30.00', idempotencyKey: key('refund-donor') } });
    const view = await cluster
      .as({ member: donor })
      .ok(`query($id: ID!) { relationship(id: $id) { quota { granted spent released refundedToDonor available } } }`, {
        id: rel,
      });
    assert.deepEqual(view.relationship.quota, {
      granted: '200.00',
      spent: '80.00',
      released: '120.00',
      refundedToDonor: '30.00',
      available: '0.00',
    });
    await cluster.recover();
    assert.equal((await accountOf(donor)).balance, '450.00', '500.00 less 80.00 spent plus 30.00 refunded');
    await balanced(cluster);
  });

  test('R11: more than the own balance is INSUFFICIENT_BALANCE; REGIFT_FORBIDDEN only when the received quota would cover it', async () => {
    const grandmother = await enrol(cluster, { region: '320500', currentYear: '500.00' });
    const daughter = await enrol(cluster, { region: '510100', currentYear: '100.00' });
    await transfer(cluster, await relate(cluster, grandmother, daughter, 'CHILD'), '300.00');
    const onward = await relate(
      cluster,
      daughter,
      await enrol(cluster, { region: '510100', type: 'RESIDENT' }),
      'CHILD',
    );
    const ask = (amount: string) =>
      cluster.as({ member: daughter }).query(TRANSFER, {
        input: { relationshipId: onward, amount, fundSource: 'CURRENT_YEAR', idempotencyKey: key('r11') },
      });
    assert.deepEqual(
      codes(await ask('450.00')),
      ['INSUFFICIENT_BALANCE'],
      'even the received 300.00 would not cover it',
    );
    assert.deepEqual(codes(await ask('350.00')), ['REGIFT_FORBIDDEN']);
    await balanced(cluster);
  });
});
