import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ACCEPT,
  balanced,
  beijingTime,
  codes,
  CONFIRM,
  enrol,
  ESTABLISH,
  exitSignal,
  key,
  letter,
  moneySnapshot,
  refusedWithoutChange,
  relate,
  SETTLE,
  settle,
  startTestCluster,
  type TestCluster,
  transfer,
  TRANSFER,
} from './support/cluster-fixture';

/** R24–R29, the pilot's operating rules, with the clock standing at the boundaries. */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(['32', '51']);
});

after(async () => {
  await cluster?.stop();
});

const DAY = 86_400_000;
const at = async (time: string, dayOffset = 0) =>
  cluster.setClock(new Date(beijingTime(time).getTime() + dayOffset * DAY));

async function pair(amount = '10000.00') {
  const donor = await enrol(cluster, { region: '320500', currentYear: amount });
  const beneficiary = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  return { donor, beneficiary, rel: await relate(cluster, donor, beneficiary) };
}

describe('R24 transfer limits', () => {
  test('the policy is readable in the graph, with the defaults', async () => {
    const data = await cluster
      .as('dashboard')
      .ok(`{ provinces(connectedOnly: true) { edges { node { code poolingRegions { edges { node { code
      transferPolicy { dailyTransferLimit transferAmountLimit nightWindowStart nightWindowEnd } } } } } } } }`);
    const suzhou = data.provinces.edges
      .flatMap((p: { node: { poolingRegions: { edges: { node: { code: string } }[] } } }) =>
        p.node.poolingRegions.edges.map((r) => r.node),
      )
      .find((r: { code: string }) => r.code === '320500');
    assert.deepEqual(suzhou.transferPolicy, {
      dailyTransferLimit: 3,
      transferAmountLimit: '2000.00',
      nightWindowStart: '22:00',
      nightWindowEnd: '06:00',
    });
  });

  test('the third transfer of a day is accepted, the fourth refused; the next day it is allowed again', async () => {
    await at('10:00:00');
    const { rel } = await pair();
    for (let i = 0; i < 3; i++)
      assert.equal((await transfer(cluster, rel, '1.00')).data?.transferQuota.state, 'COMMITTED');
    await refusedWithoutChange(cluster, () => transfer(cluster, rel, '1.00'), 'DAILY_TRANSFER_LIMIT');
    await at('09:00:00', 1);
    assert.equal((await transfer(cluster, rel, '1.00')).data?.transferQuota.state, 'COMMITTED');
    await at('10:00:00');
    await balanced(cluster);
  });

  test('2,000.00 yuan is accepted, 2,000.01 refused', async () => {
    const { rel } = await pair();
    await refusedWithoutChange(cluster, () => transfer(cluster, rel, '2000.01'), 'TRANSFER_AMOUNT_LIMIT');
    assert.equal((await transfer(cluster, rel, '2000.00')).data?.transferQuota.state, 'COMMITTED');
  });

  // The window is whole minutes: 21:59 and 05:59 are set at the minute's start, so that a request
  // slowed by a loaded machine is still judged within that minute (the clock keeps running).
  test('21:59 is accepted, 22:00 refused; 05:59 refused, 06:00 accepted', async () => {
    const { rel } = await pair();
    await at('21:59:00');
    assert.equal((await transfer(cluster, rel, '1.00')).data?.transferQuota.state, 'COMMITTED');
    await at('22:00:00');
    await refusedWithoutChange(cluster, () => transfer(cluster, rel, '1.00'), 'NIGHT_WINDOW');
    await at('05:59:00', 1);
    await refusedWithoutChange(cluster, () => transfer(cluster, rel, '1.00'), 'NIGHT_WINDOW');
    await at('06:00:00', 1);
    assert.equal((await transfer(cluster, rel, '1.00')).data?.transferQuota.state, 'COMMITTED');
    await at('10:00:00');
  });

  test("each limit is a policy of the donor's pooling region", async () => {
    await cluster
      .as({ portal: '32' })
      .ok(`mutation { setTransferPolicy(input: { poolingRegion: "320100", dailyTransferLimit: 1,
      transferAmountLimit: "50.00", nightWindowStart: "20:00", nightWindowEnd: "07:00" }) { code } }`);
    const donor = await enrol(cluster, { region: '320100', currentYear: '500.00' });
    const rel = await relate(cluster, donor, await enrol(cluster, { region: '510100', type: 'RESIDENT' }));
    await refusedWithoutChange(cluster, () => transfer(cluster, rel, '50.01'), 'TRANSFER_AMOUNT_LIMIT');
    await at('20:00:00');
    await refusedWithoutChange(cluster, () => transfer(cluster, rel, '1.00'), 'NIGHT_WINDOW');
    await at('10:00:00');
    assert.equal((await transfer(cluster, rel, '50.00')).data?.transferQuota.state, 'COMMITTED');
    await refusedWithoutChange(cluster, () => transfer(cluster, rel, '1.00'), 'DAILY_TRANSFER_LIMIT');
  });

  test('concurrent transfers count each other: never a fourth in a day', async () => {
    const { rel } = await pair();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => transfer(cluster, rel, '1.00', 'CURRENT_YEAR', false)),
    );
    assert.equal(results.filter((r) => r.data?.transferQuota.state === 'COMMITTED').length, 3);
    assert.equal(results.filter((r) => codes(r)[0] === 'DAILY_TRANSFER_LIMIT').length, 7);
  });
});

describe('R25 acceptance and return', () => {
  test('quota not yet accepted cannot be spent; accepted, it can', async () => {
    const { beneficiary, rel } = await pair();
    const sent = await transfer(cluster, rel, '100.00', 'CURRENT_YEAR', false);
    const unaccepted = await settle(cluster, beneficiary, '30.00');
    assert.deepEqual(
      [unaccepted.data?.settleExpense.quotaPaid, unaccepted.data?.settleExpense.cashPaid],
      ['0.00', '30.00'],
    );
    const quota = await cluster
      .as({ member: beneficiary })
      .ok(`query($id: ID!) { relationship(id: $id) { quota { available awaitingAcceptance } } }`, { id: rel });
    assert.deepEqual(quota.relationship.quota, { available: '0.00', awaitingAcceptance: '100.00' });
    await cluster.as({ member: beneficiary }).ok(ACCEPT, { id: sent.data?.transferQuota.id });
    assert.equal((await settle(cluster, beneficiary, '30.00')).data?.settleExpense.quotaPaid, '30.00');
    await balanced(cluster);
  });

  test('not accepted by 06:00 the next day it goes back to the donor, once, even if the job runs twice', async () => {
    await at('10:00:00');
    const { donor, beneficiary, rel } = await pair('100.00');
    const sent = await transfer(cluster, rel, '80.00', 'CURRENT_YEAR', false);
    await at('05:59:00', 1); // a minute before the deadline: the job still runs before it on a loaded machine
    await cluster.recover();
    const [stillHeld] = await cluster.sql<{ held: string }>(
      '32',
      `SELECT held FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
      [donor],
    );
    assert.equal(stillHeld.held, '8000', 'before 06:00 it is still waiting');
    await at('06:00:00', 1);
    await Promise.all([cluster.recover(), cluster.recover()]);
    await cluster.recover();
    const [back] = await cluster.sql<{ balance: string; held: string }>(
      '32',
      `SELECT balance, held FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
      [donor],
    );
    assert.deepEqual(back, { balance: '10000', held: '0' });
    const [released] = await cluster.sql<{ n: number }>(
      '32',
      `SELECT count(*)::int AS n FROM account_entry WHERE kind = 'HOLD_RELEASED' AND member_id = $1`,
      [donor],
    );
    assert.equal(released.n, 1, 'returned exactly once');
    await refusedWithoutChange(
      cluster,
      () => cluster.as({ member: beneficiary }).query(ACCEPT, { id: sent.data?.transferQuota.id }),
      'ACCEPTANCE_EXPIRED',
    );
    await balanced(cluster);
    await at('10:00:00');
  });

  test("the return job finishes after the donor's province is killed in the middle of it", async () => {
    await at('10:00:00');
    const { donor, rel } = await pair('100.00');
    await transfer(cluster, rel, '60.00', 'CURRENT_YEAR', false);
    await cluster.stopService('32');
    await cluster.restart('32', { CRASH_AT: 'releaseHold:before' });
    await at('06:00:00', 1);
    await cluster.recover();
    assert.equal(await exitSignal(cluster.provinces.get('32')), 'SIGKILL', 'the province died during the return');
    await cluster.restart('32');
    await cluster.recover();
    await cluster.recover();
    const [back] = await cluster.sql<{ held: string }>(
      '32',
      `SELECT held FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
      [donor],
    );
    assert.equal(back.held, '0');
    await balanced(cluster);
    await at('10:00:00');
  });
});

describe('R26 automatic ending', () => {
  test("ending a member's insurance ends all their relationships and returns the quota", async () => {
    const { donor, beneficiary, rel } = await pair('500.00');
    await transfer(cluster, rel, '200.00');
    await settle(cluster, beneficiary, '50.00');
    const other = await relate(
      cluster,
      await enrol(cluster, { region: '320500', currentYear: '10.00' }),
      donor,
      'CHILD',
    );
    // The donor's province's staff record the end of the insurance.
    const portal32 = cluster.as({ portal: '32' });
    const ended = await portal32.ok(
      `mutation($input: ChangeInsuranceInput!) { changeInsurance(input: $input) {
      endedMember { id status } newMember { id } endedRelationshipIds } }`,
      { input: { memberId: donor, reason: 'INSURANCE_ENDED', idempotencyKey: key('end') } },
    );
    assert.equal(ended.changeInsurance.endedMember.status, 'ENDED');
    assert.deepEqual([...ended.changeInsurance.endedRelationshipIds].sort(), [rel, other].sort());
    const view = await portal32.ok(
      `query($id: ID!) { relationship(id: $id) { status dissolutionChannel quota { spent released available } } }`,
      { id: rel },
    );
    assert.deepEqual(view.relationship, {
      status: 'DISSOLVED',
      dissolutionChannel: 'AUTOMATIC',
      quota: { spent: '50.00', released: '150.00', available: '0.00' },
    });
    const [account] = await cluster.sql<{ balance: string; held: string }>(
      '32',
      `SELECT balance, held FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
      [donor],
    );
    assert.deepEqual(account, { balance: '45000', held: '0' });
    await balanced(cluster);
  });

  test('moving to another pooling region ends the relationships and enrols the new membership', async () => {
    const { donor, beneficiary, rel } = await pair('300.00');
    await transfer(cluster, rel, '100.00');
    const moved = await cluster.as({ portal: '51' }).ok(
      `mutation($input: ChangeInsuranceInput!) { changeInsurance(input: $input) {
      newMember { id poolingRegion { code } wallet { placeOfUse { code } } } endedRelationshipIds } }`,
      { input: { memberId: beneficiary, reason: 'MOVED', newPoolingRegion: '510700', idempotencyKey: key('move') } },
    );
    assert.match(moved.changeInsurance.newMember.id, /^510700-/);
    assert.equal(moved.changeInsurance.newMember.wallet.placeOfUse.code, '510100', 'the wallet moves with the person');
    assert.deepEqual(moved.changeInsurance.endedRelationshipIds, [rel]);
    const [account] = await cluster.sql<{ held: string }>(
      '32',
      `SELECT held FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
      [donor],
    );
    assert.equal(account.held, '0');
    await balanced(cluster);
  });
});

describe('R27 consent', () => {
  test("quota waits for the beneficiary's confirmation, in the app or recorded by a clerk", async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '100.00' });
    const beneficiary = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
    const { establishMutualAid } = await cluster.as({ member: donor }).ok(ESTABLISH, {
      input: {
        donorId: donor,
        beneficiaryId: beneficiary,
        relation: 'CHILD',
        channel: 'NATIONAL_APP',
        commitment: letter(),
      },
    });
    assert.equal(establishMutualAid.status, 'AWAITING_CONSENT');
    await refusedWithoutChange(
      cluster,
      () =>
        cluster.as({ member: donor }).query(TRANSFER, {
          input: {
            relationshipId: establishMutualAid.id,
            amount: '1.00',
            fundSource: 'CURRENT_YEAR',
            idempotencyKey: key(),
          },
        }),
      'CONSENT_REQUIRED',
    );
    // The beneficiary cannot claim to be at a window, nor can the donor consent for them.
    const notAtWindow = await cluster.as({ member: beneficiary }).query(CONFIRM, {
      input: { relationshipId: establishMutualAid.id, channel: 'AGENCY_WINDOW', operatorId: 'CD-11' },
    });
    assert.deepEqual(codes(notAtWindow), ['FORBIDDEN']);
    const byDonor = await cluster
      .as({ member: donor })
      .query(CONFIRM, { input: { relationshipId: establishMutualAid.id, channel: 'NATIONAL_APP' } });
    assert.deepEqual(codes(byDonor), ['FORBIDDEN']);
    // A clerk of the beneficiary's province records it at the window, as the operator of the token.
    const confirmed = await cluster.as({ operator: 'CD-11', province: '51' }).ok(CONFIRM, {
      input: { relationshipId: establishMutualAid.id, channel: 'NATIONAL_APP', operatorId: 'someone-else' },
    });
    assert.equal(confirmed.confirmMutualAid.status, 'ACTIVE');
    const [consent] = await cluster.sql(
      'national',
      `SELECT consent_channel, consent_operator FROM relationship WHERE id = $1`,
      [establishMutualAid.id],
    );
    assert.deepEqual(consent, { consent_channel: 'AGENCY_WINDOW', consent_operator: 'CD-11' });
    assert.equal((await transfer(cluster, establishMutualAid.id, '1.00')).data?.transferQuota.state, 'COMMITTED');
  });
});

describe('R28 own credential', () => {
  test("another person's credential is refused, the money untouched, and a suspected fraud recorded", async () => {
    const { donor, beneficiary, rel } = await pair('100.00');
    await transfer(cluster, rel, '100.00');
    const before = await moneySnapshot(cluster);
    const response = await cluster.as({ member: beneficiary }).query(SETTLE, {
      input: {
        beneficiaryId: beneficiary,
        institution: { kind: 'DESIGNATED_HOSPITAL', name: '成都市第一人民医院', poolingRegion: '510100' },
        category: 'OUTPATIENT',
        amount: '88.00',
        credential: { method: 'E_CODE', holderId: donor },
        idempotencyKey: key('fraud'),
      },
    });
    assert.deepEqual(codes(response), ['CREDENTIAL_NOT_OWN']);
    assert.deepEqual(await moneySnapshot(cluster), before);
    const frauds = await cluster
      .as({ portal: '51' })
      .ok(
        `{ suspectedFrauds(province: "51") { edges { node { beneficiary { id } credentialHolderId method amount institutionName } } } }`,
      );
    assert.deepEqual(
      frauds.suspectedFrauds.edges.map((e: { node: unknown }) => e.node),
      [
        {
          beneficiary: { id: beneficiary },
          credentialHolderId: donor,
          method: 'E_CODE',
          amount: '88.00',
          institutionName: '成都市第一人民医院',
        },
      ],
    );
    assert.equal(
      (await settle(cluster, beneficiary, '88.00')).data?.settleExpense.quotaPaid,
      '88.00',
      'with their own credential it is paid',
    );
  });
});

describe('R29 wallet', () => {
  const ACTIVATE = `mutation($input: ActivateWalletInput!) { activateWallet(input: $input) {
    maskedPhone placeOfUse { code } openedBy openedByMember { id } openedByOperator } }`;

  test('activation records phone, place of use and who opened it; the place can be changed', async () => {
    const grandmother = await enrol(cluster, { region: '510100', type: 'RESIDENT', wallet: false });
    const grandson = await enrol(cluster, { region: '510100', currentYear: '1.00' });
    const stranger = await enrol(cluster, { region: '510100', currentYear: '1.00' });
    const before = await moneySnapshot(cluster);
    const refused = await cluster
      .as({ member: stranger })
      .query(ACTIVATE, { input: { memberId: grandmother, phone: '13900000001', placeOfUse: '510100' } });
    assert.deepEqual(codes(refused), ['FORBIDDEN'], 'only a relative registered with her opens it for her');
    assert.deepEqual(await moneySnapshot(cluster), before);
    await relate(cluster, grandson, grandmother, 'PATERNAL_GRANDPARENT');
    const asGrandson = cluster.as({ member: grandson });
    const bad = await asGrandson.query(ACTIVATE, {
      input: { memberId: grandmother, phone: '12345', placeOfUse: '510100' },
    });
    assert.deepEqual(codes(bad), ['INVALID_PHONE']);
    const opened = await asGrandson.ok(ACTIVATE, {
      input: {
        memberId: grandmother,
        phone: '13812345678',
        placeOfUse: '510100',
        openedBy: 'RELATIVE',
        openedByMemberId: grandson,
      },
    });
    assert.deepEqual(opened.activateWallet, {
      maskedPhone: '138****5678',
      placeOfUse: { code: '510100' },
      openedBy: 'RELATIVE',
      openedByMember: { id: grandson },
      openedByOperator: null,
    });
    const changed = await cluster
      .as({ member: grandmother })
      .ok(
        `mutation($id: ID!) { changeWalletPlaceOfUse(memberId: $id, placeOfUse: "320500") { placeOfUse { code name } } }`,
        { id: grandmother },
      );
    assert.deepEqual(changed.changeWalletPlaceOfUse.placeOfUse, { code: '320500', name: '苏州市' });
  });

  test('a relative is recorded from the token, whatever the request names', async () => {
    const grandfather = await enrol(cluster, { region: '510100', type: 'RESIDENT', wallet: false });
    const granddaughter = await enrol(cluster, { region: '510100', currentYear: '1.00' });
    await relate(cluster, granddaughter, grandfather, 'MATERNAL_GRANDPARENT');
    const opened = await cluster.as({ member: granddaughter }).ok(ACTIVATE, {
      input: {
        memberId: grandfather,
        phone: '13812345679',
        placeOfUse: '510100',
        openedBy: 'CLERK',
        operatorId: 'CD-99',
      },
    });
    assert.deepEqual(opened.activateWallet, {
      maskedPhone: '138****5679',
      placeOfUse: { code: '510100' },
      openedBy: 'RELATIVE',
      openedByMember: { id: granddaughter },
      openedByOperator: null,
    });
  });

  test("a window clerk of the member's province opens it and is recorded from the token; a clerk elsewhere cannot", async () => {
    const grandmother = await enrol(cluster, { region: '510100', type: 'RESIDENT', wallet: false });
    const input = { memberId: grandmother, phone: '13812345670', placeOfUse: '510100' };
    const elsewhere = await cluster.as({ operator: 'SZ-01', province: '32' }).query(ACTIVATE, { input });
    assert.deepEqual(codes(elsewhere), ['FORBIDDEN']);
    const opened = await cluster.as({ operator: 'CD-11', province: '51' }).ok(ACTIVATE, { input });
    assert.deepEqual(opened.activateWallet, {
      maskedPhone: '138****5670',
      placeOfUse: { code: '510100' },
      openedBy: 'CLERK',
      openedByMember: null,
      openedByOperator: 'CD-11',
    });
  });
});
