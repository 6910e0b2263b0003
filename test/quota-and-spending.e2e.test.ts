import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  balanced,
  DISSOLVE,
  enrol,
  hospital,
  key,
  parties,
  PREMIUM,
  REFUND,
  refusedWithoutChange,
  relate,
  settle,
  SETTLE,
  startTestCluster,
  type TestCluster,
  transfer,
  TRANSFER,
} from './support/cluster-fixture';

/** R9–R19 and R21 through the gateway, with balances, holds and quota checked after each step. */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(['32', '51']);
});

after(async () => {
  await cluster?.stop();
});

const ACCOUNT = `query($id: ID!) { member(id: $id) { quotaAvailable personalAccount {
  balance held available currentYear { balance held available } accumulated { balance held available } } } }`;

/** A member's own view of their account and quota. */
async function account(memberId: string) {
  return (await cluster.as({ member: memberId }).ok(ACCOUNT, { id: memberId })).member;
}

/** The donor's view of a relationship they set quota on. */
const asDonor = async (relationshipId: string) =>
  cluster.as({ member: (await parties(cluster, relationshipId)).donor });

async function quota(relationshipId: string) {
  return (
    await (
      await asDonor(relationshipId)
    ).ok(`query($id: ID!) { relationship(id: $id) { status quota { granted spent released available } } }`, {
      id: relationshipId,
    })
  ).relationship;
}

describe('quota', () => {
  test("R9/R10: quota arrives at once and the donor's money is held, not moved", async () => {
    const son = await enrol(cluster, { region: '320500', currentYear: '1000.00', accumulated: '500.00' });
    const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
    const rel = await relate(cluster, son, father);
    const sent = await transfer(cluster, rel, '300.00', 'ACCUMULATED');
    assert.equal(sent.data?.transferQuota.state, 'COMMITTED');
    assert.deepEqual((await quota(rel)).quota, {
      granted: '300.00',
      spent: '0.00',
      released: '0.00',
      available: '300.00',
    });
    const donor = await account(son);
    assert.deepEqual(donor.personalAccount.accumulated, { balance: '500.00', held: '300.00', available: '200.00' });
    assert.equal(donor.personalAccount.balance, '1500.00', 'R10: the money does not move');
    assert.equal((await account(father)).quotaAvailable, '300.00');
    // R10: the donor can no longer spend held money.
    const spend = () =>
      cluster
        .as({ member: son })
        .query(`mutation($input: SpendFromOwnAccountInput!) { spendFromOwnAccount(input: $input) { amount } }`, {
          input: { memberId: son, amount: '1200.01', idempotencyKey: key('spend') },
        });
    await refusedWithoutChange(cluster, spend, 'INSUFFICIENT_BALANCE');
    await balanced(cluster);
  });

  test('R12: positive whole fen, never above the available balance of the named fund source', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '100.00', accumulated: '50.00' });
    const rel = await relate(cluster, donor, await enrol(cluster, { region: '510100', type: 'RESIDENT' }), 'CHILD');
    for (const amount of ['0.00', '-5.00', '0.001', '1.5e2']) {
      await refusedWithoutChange(cluster, () => transfer(cluster, rel, amount), 'INVALID_AMOUNT');
    }
    await refusedWithoutChange(cluster, () => transfer(cluster, rel, '50.01', 'ACCUMULATED'), 'INSUFFICIENT_BALANCE');
    assert.equal((await transfer(cluster, rel, '50.00', 'ACCUMULATED')).data?.transferQuota.state, 'COMMITTED');
    await refusedWithoutChange(cluster, () => transfer(cluster, rel, '0.01', 'ACCUMULATED'), 'INSUFFICIENT_BALANCE');
    await balanced(cluster);
  });

  test('R9: only an active relationship takes quota', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '100.00' });
    const rel = await relate(cluster, donor, await enrol(cluster, { region: '510100', type: 'RESIDENT' }), 'SPOUSE');
    // Ended on the donor's provincial platform, by its portal.
    await cluster.as({ portal: '32' }).ok(DISSOLVE, { input: { relationshipId: rel, channel: 'PROVINCIAL_PLATFORM' } });
    await refusedWithoutChange(cluster, () => transfer(cluster, rel, '1.00'), 'RELATIONSHIP_NOT_ACTIVE');
  });

  test('R11: quota received is never passed on', async () => {
    const grandmother = await enrol(cluster, { region: '320500', currentYear: '500.00' });
    const daughter = await enrol(cluster, { region: '510100', currentYear: '100.00' });
    const child = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
    await transfer(cluster, await relate(cluster, grandmother, daughter, 'CHILD'), '300.00');
    const onward = await relate(cluster, daughter, child, 'CHILD');
    await refusedWithoutChange(cluster, () => transfer(cluster, onward, '150.00'), 'REGIFT_FORBIDDEN');
    assert.equal(
      (await transfer(cluster, onward, '100.00')).data?.transferQuota.state,
      'COMMITTED',
      'her own money she may give',
    );
    await balanced(cluster);
  });

  test('R21: a replayed transfer returns the first result; another body under the key is refused', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '100.00' });
    const rel = await relate(cluster, donor, await enrol(cluster, { region: '510100', type: 'RESIDENT' }), 'SIBLING');
    const idempotencyKey = key('replay');
    const first = await cluster
      .as({ member: donor })
      .ok(TRANSFER, { input: { relationshipId: rel, amount: '40.00', fundSource: 'CURRENT_YEAR', idempotencyKey } });
    const again = await cluster
      .as({ member: donor })
      .ok(TRANSFER, { input: { relationshipId: rel, amount: '40.00', fundSource: 'CURRENT_YEAR', idempotencyKey } });
    assert.deepEqual(again, first);
    await refusedWithoutChange(
      cluster,
      () =>
        cluster.as({ member: donor }).query(TRANSFER, {
          input: { relationshipId: rel, amount: '41.00', fundSource: 'CURRENT_YEAR', idempotencyKey },
        }),
      'IDEMPOTENCY_CONFLICT',
    );
    assert.equal((await quota(rel)).quota.granted, '40.00');
  });
});

describe('spending', () => {
  test('R13: only treatment at designated institutions and medical goods at designated pharmacies', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '100.00' });
    const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
    await transfer(cluster, await relate(cluster, donor, father), '100.00');
    const pay = (kind: string, category: string) =>
      cluster.as({ member: father }).query(SETTLE, {
        input: {
          beneficiaryId: father,
          institution: { kind, name: '药店', poolingRegion: '510100' },
          category,
          amount: '10.00',
          credential: { method: 'FACE', holderId: father },
          idempotencyKey: key('r13'),
        },
      });
    for (const [kind, category] of [
      ['DESIGNATED_RETAIL_PHARMACY', 'COSMETICS'],
      ['DESIGNATED_RETAIL_PHARMACY', 'DAILY_NECESSITIES'],
      ['DESIGNATED_HOSPITAL', 'DRUGS'],
      ['NOT_DESIGNATED', 'OUTPATIENT'],
      ['DESIGNATED_RETAIL_PHARMACY', 'HEALTH_SUPPLEMENTS'],
    ]) {
      await refusedWithoutChange(cluster, () => pay(kind, category), 'INELIGIBLE_EXPENSE');
    }
    for (const [kind, category] of [
      ['DESIGNATED_HOSPITAL', 'INPATIENT'],
      ['DESIGNATED_RETAIL_PHARMACY', 'DRUGS'],
      ['DESIGNATED_RETAIL_PHARMACY', 'MEDICAL_DEVICES'],
    ]) {
      const paid = await pay(kind, category);
      assert.equal(paid.data?.settleExpense.quotaPaid, '10.00');
      assert.equal(paid.data?.settleExpense.authMethod, 'FACE', 'R15: the method is recorded');
    }
    await balanced(cluster);
  });

  test('R14/R16: own account first, then quota, then cash; the donor is debited exactly the quota spent', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '200.00' });
    const sister = await enrol(cluster, { region: '510100', currentYear: '30.00', accumulated: '20.00' });
    const rel = await relate(cluster, donor, sister, 'SIBLING');
    await transfer(cluster, rel, '100.00');
    const paid = (await settle(cluster, sister, '180.00')).data?.settleExpense;
    assert.deepEqual([paid.ownAccountPaid, paid.quotaPaid, paid.cashPaid], ['50.00', '100.00', '30.00']);
    assert.equal((await account(sister)).personalAccount.balance, '0.00');
    const d = await account(donor);
    assert.deepEqual([d.personalAccount.balance, d.personalAccount.held], ['100.00', '0.00']);
    assert.deepEqual((await quota(rel)).quota, {
      granted: '100.00',
      spent: '100.00',
      released: '0.00',
      available: '0.00',
    });
    await balanced(cluster);
  });

  test('R17: a premium is paid wholly from quota or not at all', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '500.00' });
    const resident = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
    const employee = await enrol(cluster, { region: '510100', currentYear: '5.00' });
    await transfer(cluster, await relate(cluster, donor, resident), '400.00');
    await transfer(cluster, await relate(cluster, donor, employee, 'SPOUSE'), '50.00');
    const premium = (beneficiaryId: string, kind: string, amount: string) =>
      cluster
        .as({ member: beneficiaryId })
        .query(PREMIUM, { input: { beneficiaryId, kind, amount, idempotencyKey: key('premium') } });
    await refusedWithoutChange(
      cluster,
      () => premium(resident, 'RESIDENT_MEDICAL_INSURANCE', '400.01'),
      'INSUFFICIENT_QUOTA',
    );
    await refusedWithoutChange(
      cluster,
      () => premium(employee, 'RESIDENT_MEDICAL_INSURANCE', '10.00'),
      'INELIGIBLE_PREMIUM',
    );
    assert.equal(
      (await premium(resident, 'RESIDENT_MEDICAL_INSURANCE', '380.00')).data?.payPremium.quotaPaid,
      '380.00',
    );
    assert.equal((await premium(employee, 'LONG_TERM_CARE_INSURANCE', '50.00')).data?.payPremium.quotaPaid, '50.00');
    assert.equal((await account(donor)).personalAccount.balance, '70.00');
    await balanced(cluster);
  });
});

describe('ending and refunds', () => {
  test('R18: dissolving returns every unused fen to the donor at once, through any channel', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '300.00' });
    const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
    const rel = await relate(cluster, donor, father);
    await transfer(cluster, rel, '120.00');
    await transfer(cluster, rel, '80.00');
    await settle(cluster, father, '50.00');
    // At a window in the father's province: the operator is recorded from the clerk's token.
    const ended = await cluster
      .as({ operator: 'CD-07', province: '51' })
      .ok(DISSOLVE, { input: { relationshipId: rel, channel: 'AGENCY_WINDOW' } });
    assert.deepEqual(ended.dissolveMutualAid.quota, {
      granted: '200.00',
      spent: '50.00',
      released: '150.00',
      available: '0.00',
    });
    const [recorded] = await cluster.sql(
      'national',
      `SELECT dissolution_channel, dissolution_operator FROM relationship WHERE id = $1`,
      [rel],
    );
    assert.deepEqual(recorded, { dissolution_channel: 'AGENCY_WINDOW', dissolution_operator: 'CD-07' });
    assert.deepEqual((await account(donor)).personalAccount.currentYear, {
      balance: '250.00',
      held: '0.00',
      available: '250.00',
    });
    const again = await cluster
      .as({ member: donor })
      .ok(DISSOLVE, { input: { relationshipId: rel, channel: 'NATIONAL_APP' } });
    assert.deepEqual(again.dissolveMutualAid.quota, ended.dissolveMutualAid.quota, 'dissolving twice changes nothing');
    assert.equal(
      (await settle(cluster, father, '10.00')).data?.settleExpense.cashPaid,
      '10.00',
      'no quota is left to spend',
    );
    await balanced(cluster);
  });

  test('R19: a refund goes back where it came from: cash, then quota, then own account', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '100.00' });
    const sister = await enrol(cluster, { region: '510100', currentYear: '20.00' });
    const rel = await relate(cluster, donor, sister, 'SIBLING');
    await transfer(cluster, rel, '60.00');
    const paid = (await settle(cluster, sister, '100.00')).data?.settleExpense;
    assert.deepEqual([paid.ownAccountPaid, paid.quotaPaid, paid.cashPaid], ['20.00', '60.00', '20.00']);
    // The hospital's province (and the sister's) refunds: its portal, never the member herself.
    const refund = (amount: string) =>
      cluster
        .as({ portal: '51' })
        .query(REFUND, { input: { settlementId: paid.id, amount, idempotencyKey: key('refund') } });
    const partial = (await refund('50.00')).data?.refundSettlement;
    assert.deepEqual([partial.cashPart, partial.quotaPart, partial.ownAccountPart], ['20.00', '30.00', '0.00']);
    assert.deepEqual((await quota(rel)).quota, {
      granted: '60.00',
      spent: '30.00',
      released: '0.00',
      available: '30.00',
    });
    assert.deepEqual(
      [(await account(donor)).personalAccount.balance, (await account(donor)).personalAccount.held],
      ['70.00', '30.00'],
    );
    await refusedWithoutChange(cluster, () => refund('50.01'), 'REFUND_EXCEEDS_SETTLEMENT');
    await refusedWithoutChange(
      cluster,
      () =>
        cluster
          .as({ member: sister })
          .query(REFUND, { input: { settlementId: paid.id, amount: '1.00', idempotencyKey: key('refund') } }),
      'FORBIDDEN',
    );
    // After dissolution, the quota part goes to the donor's own account instead.
    await cluster.as({ member: donor }).ok(DISSOLVE, { input: { relationshipId: rel, channel: 'NATIONAL_APP' } });
    const rest = (await refund('50.00')).data?.refundSettlement;
    assert.deepEqual([rest.cashPart, rest.quotaPart, rest.ownAccountPart], ['0.00', '30.00', '20.00']);
    assert.deepEqual((await account(donor)).personalAccount.currentYear, {
      balance: '100.00',
      held: '0.00',
      available: '100.00',
    });
    assert.equal((await account(sister)).personalAccount.balance, '20.00');
    await balanced(cluster);
  });

  test('R21: a replayed settlement returns the first split; another body is refused', async () => {
    const donor = await enrol(cluster, { region: '320500', currentYear: '100.00' });
    const father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
    await transfer(cluster, await relate(cluster, donor, father), '100.00');
    const idempotencyKey = key('settle-replay');
    const first = await settle(cluster, father, '60.00', '510100', idempotencyKey);
    const again = await settle(cluster, father, '60.00', '510100', idempotencyKey);
    assert.deepEqual(again.data, first.data);
    await refusedWithoutChange(
      cluster,
      () => settle(cluster, father, '61.00', '510100', idempotencyKey),
      'IDEMPOTENCY_CONFLICT',
    );
    assert.equal((await account(father)).quotaAvailable, '40.00');
    await refusedWithoutChange(
      cluster,
      () =>
        cluster.as({ member: father }).query(SETTLE, {
          input: {
            beneficiaryId: father,
            institution: hospital('510100'),
            category: 'OUTPATIENT',
            amount: '1.00',
            credential: { method: 'E_CODE', holderId: father },
            idempotencyKey: 'short',
          },
        }),
      'INVALID_ARGUMENT',
    );
  });
});
