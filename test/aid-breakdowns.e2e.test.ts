import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { beijingMonth, type DashboardStatistics as Statistics } from '../subgraphs/national/statistics/dashboard-query';
import { statistics } from './support/aid-statistics';
import {
  balanced,
  beijingTime,
  DISSOLVE,
  enrol,
  key,
  PREMIUM,
  reconciliation,
  REFUND,
  relate,
  SETTLE,
  settle,
  startTestCluster,
  type TestCluster,
  transfer,
} from './support/cluster-fixture';

/**
 * R23's breakdowns: families, quota set/spent/returned at 06:00/returned on ending/outstanding,
 * distinct donors and beneficiaries, and the aid by category and by the beneficiary's insurance
 * type, driven by real transfers, settlements, a 06:00 return, a dissolution and a refund over two
 * days of the platform clock; kept figures reconciled (R20) after every step.
 */
let cluster: TestCluster;
const m: Record<string, string> = {};
const DAY = 86_400_000;
let days: { from: string; to: string; unit: 'DAY' };
const months = { from: beijingMonth(0), to: beijingMonth(1) };
const at = (time: string, dayOffset = 0) => cluster.setClock(new Date(beijingTime(time).getTime() + dayOffset * DAY));

before(async () => {
  cluster = await startTestCluster(['32', '51']);
  m.son = await enrol(cluster, { region: '320500', name: '伍强', currentYear: '3600.00' });
  m.mianyang = await enrol(cluster, { region: '510700', name: '刘芳', currentYear: '1800.00' });
  m.father = await enrol(cluster, { region: '510100', name: '伍敏', type: 'RESIDENT' });
  m.daughter = await enrol(cluster, { region: '320500', name: '伍小' });
  const day0 = new Date(beijingTime('10:00:00').getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  days = { from: day0, to: new Date(Date.parse(`${day0}T00:00:00Z`) + DAY).toISOString().slice(0, 10), unit: 'DAY' };
});

after(async () => {
  await cluster?.stop();
});

const ofProvince = (s: Statistics, code: string) => s.provinces.find((p) => p.province.code === code);
const aid = (s: Statistics) => [s.total.aidCount, s.total.aidAmount, s.distinctDonors, s.distinctBeneficiaries];

const pharmacy = (beneficiaryId: string, amount: string) =>
  cluster.as({ member: beneficiaryId }).ok(SETTLE, {
    input: {
      beneficiaryId,
      institution: { kind: 'DESIGNATED_RETAIL_PHARMACY', name: '苏州大药房', poolingRegion: '320500' },
      category: 'DRUGS',
      amount,
      credential: { method: 'E_CODE', holderId: beneficiaryId },
      idempotencyKey: key('pharmacy'),
    },
  });

describe('R23 breakdowns follow the money', () => {
  let inpatient = '';

  test('day 0: families established, quota set and spent in every category', async () => {
    await at('10:00:00');
    const sonFather = await relate(cluster, m.son, m.father, 'PARENT'); // 32 → 51
    const mianyangFather = await relate(cluster, m.mianyang, m.father, 'SPOUSE'); // 51 → 51
    const sonDaughter = await relate(cluster, m.son, m.daughter, 'CHILD'); // 32 → 32
    m.mianyangFather = mianyangFather;
    let s = await statistics(cluster, 'dashboard', days);
    assert.deepEqual(s.families, { established: 3, ended: 0, inForce: 3 });
    assert.deepEqual(ofProvince(s, '32')?.families, { established: 2, ended: 0, inForce: 2 });

    assert.equal((await transfer(cluster, sonFather, '500.00')).errors, undefined);
    assert.equal((await transfer(cluster, mianyangFather, '300.00')).errors, undefined);
    assert.equal((await transfer(cluster, sonDaughter, '200.00', 'CURRENT_YEAR', false)).errors, undefined); // never accepted
    assert.equal((await transfer(cluster, sonDaughter, '100.00')).errors, undefined);

    assert.equal((await settle(cluster, m.father, '236.00', '510100')).data?.settleExpense.quotaPaid, '236.00'); // the son's lot
    const premium = await cluster.as({ member: m.father }).ok(PREMIUM, {
      input: {
        beneficiaryId: m.father,
        kind: 'RESIDENT_MEDICAL_INSURANCE',
        amount: '100.00',
        idempotencyKey: key('premium'),
      },
    });
    assert.equal(premium.payPremium.quotaPaid, '100.00'); // the son's lot
    const stay = await cluster.as({ member: m.father }).ok(SETTLE, {
      input: {
        beneficiaryId: m.father,
        institution: { kind: 'DESIGNATED_HOSPITAL', name: '四川大学华西医院', poolingRegion: '510100' },
        category: 'INPATIENT',
        amount: '400.00',
        credential: { method: 'FACE', holderId: m.father },
        idempotencyKey: key('inpatient'),
      },
    });
    assert.equal(stay.settleExpense.quotaPaid, '400.00'); // 164.00 of the son's lot, then 236.00 of Mianyang's
    inpatient = stay.settleExpense.id;
    assert.equal((await pharmacy(m.daughter, '50.00')).settleExpense.quotaPaid, '50.00');
    await balanced(cluster);

    s = await statistics(cluster, 'dashboard', days);
    assert.deepEqual(s.quota, {
      set: '1100.00',
      spent: '786.00',
      returnedUnaccepted: '0.00',
      returnedOnDissolution: '0.00',
      outstanding: '314.00',
    });
    assert.deepEqual(aid(s), [5, '786.00', 2, 2]);
    assert.deepEqual(
      [ofProvince(s, '51')?.distinctDonors, ofProvince(s, '51')?.distinctBeneficiaries],
      [2, 1],
      'spent in 51: both donors, the father',
    );
    assert.deepEqual(
      [ofProvince(s, '32')?.distinctDonors, ofProvince(s, '32')?.distinctBeneficiaries],
      [1, 1],
      'spent in 32: the son, the daughter',
    );
  });

  test('day 1: the unaccepted quota goes back at 06:00, a dissolution and a refund after it give the rest back', async () => {
    await at('06:00:00', 1);
    await cluster.recover(); // the R25 return job
    await balanced(cluster);
    let s = await statistics(cluster, 'dashboard', days);
    assert.equal(s.quota.returnedUnaccepted, '200.00');
    assert.equal(ofProvince(s, '32')?.quota.returnedUnaccepted, '200.00');

    await at('10:00:00', 1);
    await cluster
      .as({ member: m.mianyang })
      .ok(DISSOLVE, { input: { relationshipId: m.mianyangFather, channel: 'NATIONAL_APP' } }); // 64.00 unspent
    // Newest lot first: 100.00 of Mianyang's, whose relationship has ended: to her account (R19).
    const refund = await cluster
      .as({ portal: '51' })
      .ok(REFUND, { input: { settlementId: inpatient, amount: '100.00', idempotencyKey: key('refund') } });
    assert.equal(refund.refundSettlement.quotaPart, '100.00');
    await balanced(cluster);

    s = await statistics(cluster, 'dashboard', days);
    assert.deepEqual(s.families, { established: 3, ended: 1, inForce: 2 });
    assert.deepEqual(ofProvince(s, '51')?.families, { established: 1, ended: 1, inForce: 0 });
    assert.deepEqual(ofProvince(s, '32')?.quota, {
      set: '800.00',
      spent: '550.00',
      returnedUnaccepted: '200.00',
      returnedOnDissolution: '0.00',
      outstanding: '50.00',
    });
    assert.deepEqual(ofProvince(s, '51')?.quota, {
      set: '300.00',
      spent: '136.00',
      returnedUnaccepted: '0.00',
      returnedOnDissolution: '164.00',
      outstanding: '0.00',
    });
    assert.deepEqual(s.quota, {
      set: '1100.00',
      spent: '686.00',
      returnedUnaccepted: '200.00',
      returnedOnDissolution: '164.00',
      outstanding: '50.00',
    });
    assert.equal(s.quotaOutstanding, s.quota.outstanding);
    const [held] = await cluster.sql<{ held: string }>('32', `SELECT sum(held)::text AS held FROM account`);
    assert.equal(held.held, '5000', "outstanding is what the donors' province holds");

    // Day by day: the flows of day 0 and day 1 apart.
    const day0 = await statistics(cluster, 'dashboard', { ...days, to: days.from });
    assert.deepEqual(
      [day0.quota.set, day0.quota.spent, day0.quota.returnedUnaccepted, day0.families.established, day0.families.ended],
      ['1100.00', '786.00', '0.00', 3, 0],
    );
    const day1 = await statistics(cluster, 'dashboard', { ...days, from: days.to });
    assert.deepEqual(
      [day1.quota.set, day1.quota.spent, day1.quota.returnedOnDissolution, day1.distinctDonors, day1.families.ended],
      ['0.00', '-100.00', '164.00', 0, 1],
      'a refund takes amount back and counts nobody',
    );
  });

  test("by category and by the beneficiary's insurance type, for days and for months, the parts add up to the whole", async () => {
    const whole = await statistics(cluster, 'dashboard', days);
    assert.deepEqual(aid(whole), [5, '686.00', 2, 2]);
    const expected = {
      OUTPATIENT: [1, '236.00', 1, 1],
      INPATIENT: [2, '300.00', 2, 1],
      PHARMACY: [1, '50.00', 1, 1],
      PREMIUM: [1, '100.00', 1, 1],
    } as const;
    for (const [category, figures] of Object.entries(expected)) {
      const byDays = await statistics(cluster, 'dashboard', { ...days, category: category as keyof typeof expected });
      assert.deepEqual(aid(byDays), figures, category);
      assert.equal(byDays.category, category);
      assert.deepEqual(byDays.quota, whole.quota, 'quota is not narrowed');
      const byMonths = await statistics(cluster, 'dashboard', {
        ...months,
        category: category as keyof typeof expected,
      });
      assert.deepEqual(aid(byMonths), figures, `${category} by months`);
    }
    const employees = await statistics(cluster, 'dashboard', { ...days, insuranceType: 'EMPLOYEE' });
    assert.deepEqual(aid(employees), [1, '50.00', 1, 1]);
    assert.deepEqual([employees.total.withinProvinceAmount, employees.clearing], ['50.00', []]);
    const residents = await statistics(cluster, 'dashboard', {
      ...months,
      insuranceType: 'RESIDENT',
      category: 'INPATIENT',
    });
    assert.deepEqual(aid(residents), [2, '300.00', 2, 1]);
    assert.deepEqual(
      residents.clearing.map((l) => [l.debtor.code, l.creditor.code, l.amount]),
      [['32', '51', '164.00']],
    );
    const unfiltered = await statistics(cluster, 'dashboard', months);
    assert.deepEqual(
      [unfiltered.total.aidCount, unfiltered.total.aidAmount],
      [5, '686.00'],
      'the months hold what the days hold',
    );
    await balanced(cluster);
  });

  test('a provincial portal sees the same figures and filters for its own province', async () => {
    const portal = await statistics(cluster, { portal: '51' }, { ...days, category: 'INPATIENT' });
    assert.equal(portal.province?.code, '51');
    assert.deepEqual(
      [portal.total.aidCount, portal.total.aidAmount, portal.distinctDonors, portal.distinctBeneficiaries],
      [2, '300.00', 2, 1],
    );
    assert.deepEqual(portal.families, { established: 1, ended: 1, inForce: 0 });
    assert.deepEqual(portal.quota, {
      set: '300.00',
      spent: '136.00',
      returnedUnaccepted: '0.00',
      returnedOnDissolution: '164.00',
      outstanding: '0.00',
    });
    const national = await statistics(cluster, 'dashboard', { ...days, category: 'INPATIENT', province: '51' });
    assert.deepEqual(
      [national.total, national.quota, national.families, national.distinctDonors],
      [portal.total, portal.quota, portal.families, portal.distinctDonors],
    );
    const refused = await cluster
      .as({ portal: '32' })
      .query(
        `{ aidStatistics(from: "${days.from}", to: "${days.to}", unit: DAY, province: "51", category: PHARMACY) { total { aidCount } } }`,
      );
    assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  test('R20 names a kept breakdown that differs from the tables', async () => {
    const tamper = [
      [
        `INSERT INTO quota_day_figure (backend, day, donor_province, returned_unaccepted) VALUES (0, $1, '51', 1)`,
        `DELETE FROM quota_day_figure WHERE backend = 0 AND day = $1 AND donor_province = '51' AND quota_set = 0 AND returned_unaccepted = 1`,
        /quota flows/,
      ],
      [
        `INSERT INTO family_day_figure (backend, day, region, ended) VALUES (0, $1, '510700', 1)`,
        `DELETE FROM family_day_figure WHERE backend = 0 AND day = $1 AND region = '510700' AND established = 0 AND ended = 1`,
        /families/,
      ],
      [
        `INSERT INTO aid_participant VALUES ($1, '510100', '51', 'OUTPATIENT', 'RESIDENT', 'DONOR', 'nobody')`,
        `DELETE FROM aid_participant WHERE member_id = 'nobody' AND day = $1`,
        /participants: 1 kept/,
      ],
    ] as const;
    const early = '2001-01-01';
    for (const [change, undo, said] of tamper) {
      await cluster.sql('national', change, [early]);
      const { differences } = await reconciliation(cluster, '51');
      await cluster.sql('national', undo, [early]);
      assert.ok(
        differences.some((d) => said.test(d)),
        `${said}: ${differences.join('; ')}`,
      );
    }
    await balanced(cluster);
  });

  test('distinct people are exact right after a change: today read live, past days counted again when they change', async () => {
    const people = (s: Statistics) => [
      s.distinctDonors,
      s.distinctBeneficiaries,
      ...[ofProvince(s, '32')?.distinctDonors, ofProvince(s, '32')?.distinctBeneficiaries],
    ];
    const day0 = { ...days, to: days.from };
    assert.deepEqual(people(await statistics(cluster, 'dashboard', days)), [2, 2, 1, 1]);
    assert.deepEqual(people(await statistics(cluster, 'dashboard', day0)), [2, 2, 1, 1]);

    // Today (day 1): a new beneficiary of the son, who gave on day 0 already and counts once.
    m.grandson = await enrol(cluster, { region: '320500', name: '伍小明' });
    assert.equal(
      (await transfer(cluster, await relate(cluster, m.son, m.grandson, 'CHILD'), '60.00')).errors,
      undefined,
    );
    assert.equal((await settle(cluster, m.grandson, '30.00', '320500')).data?.settleExpense.quotaPaid, '30.00');
    assert.deepEqual(
      people(await statistics(cluster, 'dashboard', days)),
      [2, 3, 1, 2],
      'the settlement just made counts',
    );
    assert.deepEqual(people(await statistics(cluster, 'dashboard', { ...days, from: days.to })), [1, 1, 1, 1]);
    assert.deepEqual(people(await statistics(cluster, 'dashboard', day0)), [2, 2, 1, 1], 'day 0 did not change');

    // A participant of a past day written now (an aid stamped before midnight, committed after): day 0 counts it.
    const late = `INSERT INTO aid_participant VALUES ($1, '320500', '32', 'OUTPATIENT', 'EMPLOYEE', 'BENEFICIARY', $2)`;
    await cluster.sql('national', late, [days.from, m.grandson]);
    try {
      assert.deepEqual(people(await statistics(cluster, 'dashboard', day0)), [2, 3, 1, 2], 'a past day that changed');
      assert.deepEqual(
        people(await statistics(cluster, 'dashboard', days)),
        [2, 3, 1, 2],
        'counted once in the whole period',
      );
    } finally {
      await cluster.sql('national', `DELETE FROM aid_participant WHERE day = $1 AND member_id = $2`, [
        days.from,
        m.grandson,
      ]);
    }
    assert.deepEqual(
      people(await statistics(cluster, 'dashboard', day0)),
      [2, 2, 1, 1],
      'and when it is taken out again',
    );
    await balanced(cluster);
  });
});
