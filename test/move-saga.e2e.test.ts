import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  balanced,
  codes,
  enrol,
  exitSignal,
  internal,
  key,
  MOVE,
  newIdNumber,
  refusedWithoutChange,
  settle,
  startTestCluster,
  type TestCluster,
} from './support/cluster-fixture';
import { idNumberOf, personKeyIn } from './support/person-index';

/**
 * A move (R26, R31) as one saga with what it meets (issue 29): a settlement in doubt on the old
 * membership, a second move or end while the first is still moving, credits to a membership whose
 * account moved, its own key replayed after the new membership changed, and a province step sent
 * twice. Each test failed on the code before the fix; every one ends with every province reconciled.
 */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(['32', '13', '51'], undefined, { RECOVERY_INTERVAL_MS: String(3_600_000) });
});

after(async () => {
  await cluster?.stop();
});

const CREDIT = `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`;
const ENROL = `mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`;

function change(
  memberId: string,
  reason: 'MOVED' | 'INSURANCE_ENDED',
  newPoolingRegion: string | null,
  idempotencyKey = key(reason),
) {
  return cluster
    .as({ portal: memberId.slice(0, 2) })
    .query(MOVE, { input: { memberId, reason, newPoolingRegion, idempotencyKey } });
}

const move = (memberId: string, region: string, idempotencyKey?: string) =>
  change(memberId, 'MOVED', region, idempotencyKey);

async function balanceOf(memberId: string): Promise<string> {
  const data = await cluster
    .as({ portal: memberId.slice(0, 2) })
    .ok(`query($id: ID!) { member(id: $id) { personalAccount { balance } } }`, { id: memberId });
  return data.member.personalAccount.balance;
}

const fen = (yuan: string) => BigInt(Math.round(Number(yuan) * 100));

describe('a move meets the operations around it', () => {
  test('defect 1: a settlement in doubt whose own-account part was booked, then a move: the final answer says what was booked', async () => {
    const member = await enrol(cluster, { region: '130100', currentYear: '300.00' });
    await cluster.restart('13', { CRASH_AT: 'spendOwn:after' }); // the own account is debited, the answer never arrives
    const idempotencyKey = key('settle-in-doubt');
    const during = await settle(cluster, member, '218.45', '130100', idempotencyKey);
    assert.deepEqual(codes(during), ['OUTCOME_PENDING'], JSON.stringify(during.errors));
    assert.equal(await exitSignal(cluster.provinces.get('13')), 'SIGKILL');
    await cluster.restart('13');
    const moved = await move(member, '510100');
    assert.equal(moved.errors, undefined, JSON.stringify(moved.errors));
    await cluster.recover();
    await cluster.recover();
    const settled = (await settle(cluster, member, '218.45', '130100', idempotencyKey)).data?.settleExpense;
    assert.equal(settled.state, 'SETTLED');
    const newMember = moved.data?.changeInsurance.newMember.id;
    const carried = await balanceOf(newMember);
    assert.equal(settled.ownAccountPaid, '218.45', "the own-account part the province booked is the answer's");
    assert.equal(fen(settled.ownAccountPaid) + fen(carried), 30000n, 'spent or moved, never lost');
    assert.equal(fen(settled.ownAccountPaid) + fen(settled.quotaPaid) + fen(settled.cashPaid), 21845n);
    await balanced(cluster);
  });

  test('defect 2: a second move or an end while the first move is still MOVING is refused, changing nothing; later it carries everything', async () => {
    const member = await enrol(cluster, { region: '130100', currentYear: '2138.04', accumulated: '2666.50' });
    await cluster.restart('13', { CRASH_AT: 'moveOut:before' });
    const firstKey = key('first-move');
    const first = await move(member, '510100', firstKey);
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    assert.equal(first.data?.changeInsurance.accountMove.state, 'MOVING');
    assert.equal(await exitSignal(cluster.provinces.get('13')), 'SIGKILL');
    await cluster.restart('13');
    const arriving = first.data?.changeInsurance.newMember.id as string;
    await refusedWithoutChange(cluster, () => move(arriving, '510700'), 'MOVE_IN_PROGRESS');
    await refusedWithoutChange(cluster, () => change(arriving, 'INSURANCE_ENDED', null), 'MOVE_IN_PROGRESS');
    await cluster.recover();
    await cluster.recover();
    const done = (await move(member, '510100', firstKey)).data?.changeInsurance.accountMove;
    assert.deepEqual([done.state, done.currentYear, done.accumulated], ['MOVED', '2138.04', '2666.50']);
    const second = await move(arriving, '510700');
    assert.equal(second.errors, undefined, JSON.stringify(second.errors));
    const carried = second.data?.changeInsurance.accountMove;
    assert.deepEqual([carried.state, carried.currentYear, carried.accumulated], ['MOVED', '2138.04', '2666.50']);
    assert.equal(await balanceOf(arriving), '0.00');
    assert.equal(await balanceOf(second.data?.changeInsurance.newMember.id), '4804.54');
    await balanced(cluster);
  });

  test('defect 3: a credit to a membership whose account moved is refused with ACCOUNT_MOVED naming the new membership', async () => {
    const member = await enrol(cluster, { region: '320500', currentYear: '100.00' });
    const moved = (await move(member, '320100')).data?.changeInsurance;
    assert.equal(moved.accountMove.state, 'MOVED');
    const credit = () =>
      cluster.as({ portal: '32' }).query(CREDIT, {
        input: { memberId: member, fundSource: 'CURRENT_YEAR', amount: '50.00', idempotencyKey: key('late-credit') },
      });
    await refusedWithoutChange(cluster, credit, 'ACCOUNT_MOVED');
    const refused = await credit();
    assert.equal(refused.errors?.[0]?.extensions?.newMemberId, moved.newMember.id);
    // The seed credit's own key sent again: the first answer, nothing booked twice.
    const replay = await cluster.as({ portal: '32' }).query(CREDIT, {
      input: {
        memberId: member,
        fundSource: 'CURRENT_YEAR',
        amount: '100.00',
        idempotencyKey: `seed-${member}-CURRENT_YEAR`,
      },
    });
    assert.equal(replay.errors, undefined, JSON.stringify(replay.errors));
    assert.equal(await balanceOf(member), '0.00');
    assert.equal(await balanceOf(moved.newMember.id), '100.00');
    await balanced(cluster);
  });

  test("defect 4: a move's key sent again after the new membership ended or moved on gives the first answer and acts no more", async () => {
    const ended = await enrol(cluster, { region: '320500', currentYear: '40.00' });
    const endedKey = key('move-then-end');
    const first = await move(ended, '320100', endedKey);
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    const endNew = await change(first.data?.changeInsurance.newMember.id, 'INSURANCE_ENDED', null);
    assert.equal(endNew.errors, undefined, JSON.stringify(endNew.errors));
    assert.deepEqual((await move(ended, '320100', endedKey)).data, first.data, 'the same key, the same answer');

    const onward = await enrol(cluster, { region: '320500', currentYear: '70.00' });
    const onwardKey = key('move-then-move');
    const firstMove = await move(onward, '320100', onwardKey);
    const again = await move(firstMove.data?.changeInsurance.newMember.id, '510100');
    assert.equal(again.errors, undefined, JSON.stringify(again.errors));
    const replay = await move(onward, '320100', onwardKey);
    assert.equal(replay.errors, undefined, JSON.stringify(replay.errors));
    assert.deepEqual(replay.data, firstMove.data);
    const people = await cluster.sql<{ state: string; region: string }>(
      'national',
      `SELECT p.state, p.pooling_region AS region FROM person p JOIN ended_membership e ON e.id_number = p.id_number WHERE e.member_id = ANY($1)`,
      [[ended, onward]],
    );
    assert.deepEqual(
      people.map((p) => `${p.state} ${p.region}`).sort(),
      ['ACTIVE 510100', 'ENDED 320100'],
      'nobody enrolled again',
    );
    assert.equal(await balanceOf(again.data?.changeInsurance.newMember.id), '70.00');
    await balanced(cluster);
  });

  test('defect 5: an enrolment the province did not answer is in doubt, never refused; the same enrolment then returns the member', async () => {
    const person = { idNumber: newIdNumber(), name: '测试', insuranceType: 'EMPLOYEE', poolingRegion: '510100' };
    await cluster.kill('51');
    const during = await cluster.as({ portal: '51' }).query(ENROL, { input: person });
    await cluster.restart('51');
    await cluster.recover();
    const enrolled = await cluster.sql<{ state: string }>('national', `SELECT state FROM person WHERE id_number = $1`, [
      await personKeyIn(cluster, person.idNumber),
    ]);
    if (codes(during)[0] !== 'OUTCOME_PENDING') {
      // A refusal must mean nothing happened and nothing will (R30).
      assert.deepEqual(enrolled, [], `answered ${JSON.stringify(codes(during))}, yet recovery enrolled the person`);
    }
    assert.deepEqual(codes(during), ['OUTCOME_PENDING']);
    const repeat = await cluster.as({ portal: '51' }).ok(ENROL, { input: person });
    assert.match(repeat.enrollMember.id, /^510100-/);
    assert.deepEqual(
      enrolled.map((p) => p.state),
      ['ACTIVE'],
    );
  });

  test('the same shape: enrolling the person elsewhere while their move is not enrolled yet is refused (MOVE_IN_PROGRESS); the move then finishes', async () => {
    const member = await enrol(cluster, { region: '130100', currentYear: '35.00' });
    const idNumber = await idNumberOf(cluster, member);
    await cluster.restart('13', { CRASH_AT: 'endMembership:before' });
    const moveKey = key('move-unfinished');
    const during = await move(member, '510100', moveKey);
    assert.deepEqual(codes(during), ['OUTCOME_PENDING'], JSON.stringify(during.errors));
    assert.equal(await exitSignal(cluster.provinces.get('13')), 'SIGKILL');
    await cluster.restart('13');
    const elsewhere = () =>
      cluster
        .as({ portal: '32' })
        .query(ENROL, { input: { idNumber, name: '测试', insuranceType: 'EMPLOYEE', poolingRegion: '320500' } });
    await refusedWithoutChange(cluster, elsewhere, 'MOVE_IN_PROGRESS');
    await cluster.recover();
    await cluster.recover();
    const final = await move(member, '510100', moveKey);
    assert.equal(final.errors, undefined, JSON.stringify(final.errors));
    const carried = final.data?.changeInsurance.accountMove;
    assert.deepEqual([carried.state, carried.currentYear, carried.accumulated], ['MOVED', '35.00', '0.00']);
    await balanced(cluster);
  });

  test('defect 6: a move step sent to the province twice books once, even when the first found nothing to move', async () => {
    const from = await enrol(cluster, { region: '320500' });
    const to = await enrol(cluster, { region: '320100' });
    const province = internal(cluster, cluster.provinces.get('32')?.baseUrl ?? '', 'national');
    const operationId = key('move-step');
    const step = { memberId: from, operationId, counterpart: to };
    const firstAnswer = (await province.call('moveAccount', step)) as { parts: { amount: string }[] };
    assert.ok(firstAnswer.parts.every((p) => p.amount === '0'));
    const late = await cluster.as({ portal: '32' }).query(CREDIT, {
      input: { memberId: from, fundSource: 'CURRENT_YEAR', amount: '531.09', idempotencyKey: key('after-move') },
    });
    assert.deepEqual(codes(late), ['ACCOUNT_MOVED'], 'the account has moved: a credit after it is refused');
    assert.deepEqual(await province.call('moveAccount', step), firstAnswer, 'the same step, the same answer');
    assert.equal(await balanceOf(to), '0.00');
  });
});
