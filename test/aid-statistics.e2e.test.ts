import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import {
  beijingMonth,
  DASHBOARD_QUERY,
  type DashboardStatistics as Statistics,
} from '../subgraphs/national/statistics/dashboard-query';
import { assertEqualsRecount, statistics } from './support/aid-statistics';
import {
  balanced,
  codes,
  enrol,
  key,
  PREMIUM,
  reconciliation,
  REFUND,
  refusedWithoutChange,
  relate,
  settle,
  startTestCluster,
  type TestCluster,
  transfer,
} from './support/cluster-fixture';

/**
 * R23: the dashboard's statistics are kept as settlements, refunds, transfers and wallets change,
 * equal a full count of the tables at every step, agree with the clearing (R22), and are shown to
 * the dashboard (every province) and a portal (its own), nobody else.
 */
let cluster: TestCluster;
const m: Record<string, string> = {};
const period = { from: beijingMonth(-1), to: beijingMonth(0) };

before(async () => {
  cluster = await startTestCluster(['32', '13', '51']);
  m.son = await enrol(cluster, { region: '320500', name: '伍强', currentYear: '3600.00' });
  m.father = await enrol(cluster, { region: '510100', name: '伍敏', type: 'RESIDENT' });
  m.mianyang = await enrol(cluster, { region: '510700', name: '刘芳', currentYear: '1800.00' });
  m.hebei = await enrol(cluster, { region: '130100', name: '张丽', currentYear: '500.00' });
});

after(async () => {
  await cluster?.stop();
});

const dashboard = () => statistics(cluster, 'dashboard', period);
const region = (s: Statistics, code: string) => s.regions.find((r) => r.poolingRegion.code === code);

/** The API's figures equal the test's own full count, and R20 (which checks the kept figures too) holds. */
async function assertFiguresEqualRecount(step: string): Promise<Statistics> {
  const api = await dashboard();
  const counted = await assertEqualsRecount(cluster, api, step);
  const r22 = await cluster.as('dashboard').ok(
    `query($from: DateTimeISO!, $to: DateTimeISO!) { clearingReport(from: $from, to: $to) {
    lines { debtor { code } creditor { code } amount } } }`,
    { from: `${period.from}-01T00:00:00+08:00`, to: `${beijingMonth(1)}-01T00:00:00+08:00` },
  );
  assert.deepEqual(
    new Map(
      r22.clearingReport.lines
        .filter((l: { amount: string }) => l.amount !== '0.00')
        .map((l: { debtor: { code: string }; creditor: { code: string }; amount: string }) => [
          `${l.debtor.code}→${l.creditor.code}`,
          l.amount,
        ]),
    ),
    counted.clearing,
    `${step}: the R22 report says the same`,
  );
  await balanced(cluster);
  return api;
}

describe('the figures follow the money', () => {
  test('settlements within and across provinces, a refund, a premium, wallets and quota outstanding', async () => {
    const start = await assertFiguresEqualRecount('before any aid');
    assert.equal(start.walletsActivatedToDate, 4);
    assert.equal(start.thisMonth.walletsActivated, 4);
    assert.deepEqual(
      start.provinces.map((p) => p.province.code),
      ['13', '32', '51'],
    );

    const fromSon = await relate(cluster, m.son, m.father, 'PARENT'); // 32 → 51: across provinces
    const fromMianyang = await relate(cluster, m.mianyang, m.father, 'SPOUSE'); // 51 → 51: within
    assert.equal((await transfer(cluster, fromSon, '500.00')).errors, undefined);
    assert.equal((await transfer(cluster, fromMianyang, '300.00')).errors, undefined);
    let api = await assertFiguresEqualRecount('after quota was set');
    assert.equal(region(api, '320500')?.quotaOutstanding, '500.00');
    assert.equal(api.quotaOutstanding, '800.00');

    assert.equal((await settle(cluster, m.father, '236.00', '510100')).errors, undefined); // all from the son's quota
    // 264.00 of the son's quota, then 136.00 of Mianyang's: one payment, counted once on each side.
    const both = await settle(cluster, m.father, '400.00', '510100');
    assert.equal(both.data?.settleExpense.quotaPaid, '400.00');
    api = await assertFiguresEqualRecount('after two settlements');
    assert.deepEqual(
      [
        api.thisMonth.aidCount,
        api.thisMonth.aidAmount,
        api.thisMonth.crossProvinceCount,
        api.thisMonth.withinProvinceAmount,
      ],
      [3, '636.00', 2, '136.00'],
    );

    // Cash first (none), then quota, newest lot first: 136.00 within and 14.00 across are taken back.
    const refund = await cluster.as({ portal: '51' }).ok(REFUND, {
      input: { settlementId: both.data?.settleExpense.id, amount: '150.00', idempotencyKey: key('refund') },
    });
    assert.equal(refund.refundSettlement.quotaPart, '150.00');
    api = await assertFiguresEqualRecount('after a refund');
    assert.deepEqual(
      [api.thisMonth.aidCount, api.thisMonth.aidAmount, api.thisMonth.withinProvinceAmount],
      [3, '486.00', '0.00'],
      'a refund takes amount back, no count',
    );

    // Spent where the money came from: the rest of the son's quota, in his own province, at a hospital in 苏州.
    assert.equal((await settle(cluster, m.father, '14.00', '320500')).data?.settleExpense.quotaPaid, '14.00');
    const premium = await cluster.as({ member: m.father }).ok(PREMIUM, {
      input: {
        beneficiaryId: m.father,
        kind: 'RESIDENT_MEDICAL_INSURANCE',
        amount: '100.00',
        idempotencyKey: key('premium'),
      },
    });
    assert.equal(premium.payPremium.quotaPaid, '100.00'); // all of it from Mianyang's quota: within 51
    api = await assertFiguresEqualRecount("after a settlement in the donor's province and a premium");
    assert.deepEqual(region(api, '510100'), {
      poolingRegion: { code: '510100', name: '成都市' },
      aidCount: 4,
      aidAmount: '586.00',
      withinProvinceCount: 2,
      withinProvinceAmount: '100.00',
      crossProvinceCount: 2,
      crossProvinceAmount: '486.00',
      walletsActivated: 1,
      walletsActivatedToDate: 1,
      quotaOutstanding: '0.00',
    });
    assert.deepEqual(
      [
        region(api, '320500')?.withinProvinceCount,
        region(api, '320500')?.withinProvinceAmount,
        region(api, '320500')?.crossProvinceCount,
      ],
      [1, '14.00', 0],
    );
    assert.deepEqual(
      api.clearing.map((l) => [l.debtor.code, l.creditor.code, l.amount, l.aidCount]),
      [['32', '51', '486.00', 2]],
    );
    assert.equal(region(api, '510700')?.quotaOutstanding, '200.00');
    const {
      aidStatistics: { cells },
    } = await cluster.as('dashboard').ok(
      `query($from: String!, $to: String!) {
      aidStatistics(from: $from, to: $to) { cells { month poolingRegion { code } aidCount aidAmount crossProvinceAmount walletsActivated } } }`,
      period,
    );
    assert.deepEqual(
      cells.find(
        (c: { month: string; poolingRegion: { code: string } }) =>
          c.month === api.currentMonth && c.poolingRegion.code === '510100',
      ),
      {
        month: api.currentMonth,
        poolingRegion: { code: '510100' },
        aidCount: 4,
        aidAmount: '586.00',
        crossProvinceAmount: '486.00',
        walletsActivated: 1,
      },
    );
    const month = api.months.find((x) => x.month === api.currentMonth);
    assert.deepEqual([month?.aidCount, month?.aidAmount], [api.thisMonth.aidCount, api.thisMonth.aidAmount]);
    assert.deepEqual([api.total.aidCount, api.total.aidAmount, api.quotaOutstanding], [5, '600.00', '200.00']);
    assert.deepEqual(
      api.provinces.map((p) => [p.province.code, p.aidAmount, p.quotaOutstanding]),
      [
        ['13', '0.00', '0.00'],
        ['32', '14.00', '0.00'],
        ['51', '586.00', '200.00'],
      ],
    );
  });

  test('periods of days and of weeks hold the same aid as the months, bucket by bucket, with the period before and a year earlier', async () => {
    const month = await dashboard();
    // The platform clock's Beijing day, and a day either side: a refund is bucketed by the database's time (as the months are).
    const today = Date.parse(
      `${new Date(Date.parse(month.asOf) + 8 * 3_600_000).toISOString().slice(0, 10)}T00:00:00Z`,
    );
    const day = (offset: number) => new Date(today + offset * 86_400_000).toISOString().slice(0, 10);
    const aid = (f: Statistics['total']) => [
      f.aidCount,
      f.aidAmount,
      f.withinProvinceCount,
      f.withinProvinceAmount,
      f.crossProvinceCount,
      f.crossProvinceAmount,
    ];
    const sum = (buckets: Statistics['buckets']) => {
      const fen = buckets.reduce((total, b) => total + BigInt(b.aidAmount.replace('.', '')), 0n);
      return [buckets.reduce((n, b) => n + b.aidCount, 0), `${fen / 100n}.${String(fen % 100n).padStart(2, '0')}`];
    };
    assert.ok(month.total.aidCount > 0);
    assert.deepEqual(
      month.buckets.map((b) => b.start),
      month.months.map((m) => m.month),
    );
    assert.deepEqual(
      [month.previousPeriod?.from, month.previousPeriod?.aidCount, month.yearEarlier?.to, month.yearEarlier?.aidAmount],
      [beijingMonth(-3), 0, beijingMonth(-12), '0.00'],
    );

    const days = await statistics(cluster, 'dashboard', { from: day(-1), to: day(1), unit: 'DAY' });
    assert.deepEqual(
      [days.unit, days.buckets.map((b) => b.start), days.months],
      ['DAY', [day(-1), day(0), day(1)], []],
    );
    assert.deepEqual(aid(days.total), aid(month.total), 'the days hold the aid of the months');
    assert.deepEqual(sum(days.buckets), [days.total.aidCount, days.total.aidAmount]);
    assert.deepEqual(days.clearing, month.clearing);
    assert.deepEqual(
      days.regions.map((r) => [r.poolingRegion.code, ...aid(r), r.walletsActivatedToDate, r.quotaOutstanding]),
      month.regions.map((r) => [r.poolingRegion.code, ...aid(r), r.walletsActivatedToDate, r.quotaOutstanding]),
      'by region, with the stocks now',
    );
    assert.deepEqual(
      [days.thisMonth, days.quotaOutstanding, days.walletsActivatedToDate],
      [month.thisMonth, month.quotaOutstanding, month.walletsActivatedToDate],
    );
    assert.deepEqual(
      [days.previousPeriod?.from, days.previousPeriod?.to, days.previousPeriod?.aidCount],
      [day(-4), day(-2), 0],
    );
    assert.equal(days.yearEarlier?.from, `${Number(day(-1).slice(0, 4)) - 1}${day(-1).slice(4)}`);

    const weeks = await statistics(cluster, 'dashboard', { from: day(-1), to: day(1), unit: 'WEEK' });
    for (const week of weeks.buckets)
      assert.equal(new Date(`${week.start}T00:00:00Z`).getUTCDay(), 1, 'a week starts on Monday');
    assert.ok(weeks.buckets.length >= 1 && weeks.buckets.length <= 2);
    assert.deepEqual(aid(weeks.total), aid(month.total), 'the weeks hold the aid of the months');
    assert.deepEqual(sum(weeks.buckets), [weeks.total.aidCount, weeks.total.aidAmount]);
    assert.equal(
      Date.parse(`${weeks.from}T00:00:00Z`) - Date.parse(`${weeks.yearEarlier?.from}T00:00:00Z`),
      364 * 86_400_000,
      '52 weeks earlier',
    );

    const portal = await statistics(cluster, { portal: '51' }, { from: day(-1), to: day(1), unit: 'DAY' });
    assert.deepEqual(
      aid(portal.total),
      aid(month.provinces.find((p) => p.province.code === '51') as Statistics['total']),
      'a portal: its own province',
    );
    await balanced(cluster); // R20 compares the daily figures with the tables too
  });

  test('a refused payment leaves the figures as they were', async () => {
    const before = await kept();
    const tooMuch = () =>
      cluster.as({ member: m.father }).query(PREMIUM, {
        input: {
          beneficiaryId: m.father,
          kind: 'RESIDENT_MEDICAL_INSURANCE',
          amount: '10000.00',
          idempotencyKey: key('premium'),
        },
      });
    await refusedWithoutChange(cluster, tooMuch, 'INSUFFICIENT_QUOTA');
    assert.deepEqual(await kept(), before);
  });

  test('a wallet carried over by a move (R26) is not activated again', async () => {
    const mover = await enrol(cluster, { region: '320100' });
    const before = await dashboard();
    await cluster
      .as({ portal: '32' })
      .ok(
        `mutation($input: ChangeInsuranceInput!) { changeInsurance(input: $input) { newMember { id wallet { activatedAt } } } }`,
        {
          input: { memberId: mover, reason: 'MOVED', newPoolingRegion: '320500', idempotencyKey: 'mover-moves-once' },
        },
      );
    const after = await assertFiguresEqualRecount('after a move');
    assert.equal(after.walletsActivatedToDate, before.walletsActivatedToDate);
    assert.equal(region(after, '320100')?.walletsActivatedToDate, region(before, '320100')?.walletsActivatedToDate);
  });
});

/** Every kept figure row, summed over sessions (a region's quota outstanding of 0 is no row: the fold may delete it). */
async function kept() {
  return cluster.sql(
    'national',
    `
    SELECT 'aid' AS t, month::text, region, donor_province, sum(aid_count)::text AS n, sum(aid_amount)::text AS a FROM aid_figure GROUP BY 2, 3, 4
    UNION ALL SELECT 'wallet', month::text, region, NULL, sum(activated)::text, NULL FROM wallet_figure GROUP BY 2, 3
    UNION ALL SELECT 'quota', NULL, region, NULL, NULL, sum(outstanding)::text FROM quota_figure GROUP BY 3 HAVING sum(outstanding) <> 0 ORDER BY 1, 2, 3, 4`,
  );
}

describe('who sees what', () => {
  test('a provincial portal sees its own province and its regions, by default and by name', async () => {
    const own = await statistics(cluster, { portal: '51' }, period);
    assert.equal(own.province?.name, '四川省');
    assert.deepEqual(
      own.provinces.map((p) => p.province.code),
      ['51'],
    );
    assert.deepEqual(
      own.regions.map((r) => r.poolingRegion.code),
      ['510100', '510700'],
    );
    const of51 = (await dashboard()).provinces.find((p) => p.province.code === '51') as unknown as Record<
      string,
      unknown
    >;
    for (const [figure, value] of Object.entries(own.total)) assert.equal(value, of51[figure], figure);
    assert.deepEqual(
      own.clearing.map((l) => [l.debtor.code, l.creditor.code]),
      [['32', '51']],
    );
    const named = await statistics(cluster, { portal: '32' }, { ...period, province: '32' });
    assert.deepEqual(
      named.clearing.map((l) => [l.debtor.code, l.creditor.code]),
      [['32', '51']],
      "what its donors' quota owes",
    );
    assert.equal(named.total.aidAmount, '14.00');
  });

  test("another province's figures, a member, a window operator: FORBIDDEN, and nothing changes", async () => {
    const before = await kept();
    const ask = (who: Parameters<TestCluster['as']>[0], province?: string) => () =>
      cluster.as(who).query(DASHBOARD_QUERY, { ...period, province });
    await refusedWithoutChange(cluster, ask({ portal: '13' }, '51'), 'FORBIDDEN');
    await refusedWithoutChange(cluster, ask({ member: m.son }), 'FORBIDDEN');
    await refusedWithoutChange(cluster, ask({ member: m.son }, '32'), 'FORBIDDEN');
    await refusedWithoutChange(cluster, ask({ operator: 'SZ-0042', province: '32' }, '32'), 'FORBIDDEN');
    assert.deepEqual(await kept(), before);
  });

  test('a reversed or over-long period, a month that is not one, an unknown province: INVALID_ARGUMENT', async () => {
    const before = await kept();
    const ask = (variables: Record<string, unknown>) => () => cluster.as('dashboard').query(DASHBOARD_QUERY, variables);
    await refusedWithoutChange(cluster, ask({ from: beijingMonth(0), to: beijingMonth(-1) }), 'INVALID_ARGUMENT');
    await refusedWithoutChange(cluster, ask({ from: beijingMonth(-36), to: beijingMonth(0) }), 'INVALID_ARGUMENT');
    await refusedWithoutChange(cluster, ask({ from: '2026-13', to: '2026-12' }), 'INVALID_ARGUMENT');
    await refusedWithoutChange(cluster, ask({ from: '2026-1', to: '2026-12' }), 'INVALID_ARGUMENT');
    await refusedWithoutChange(cluster, ask({ ...period, province: '99' }), 'INVALID_ARGUMENT');
    await refusedWithoutChange(cluster, ask({ ...period, province: '' }), 'INVALID_ARGUMENT');
    await refusedWithoutChange(cluster, ask({ from: '2026-01-01', to: '2026-04-03', unit: 'DAY' }), 'INVALID_ARGUMENT'); // 93 days: 92 at most
    await refusedWithoutChange(cluster, ask({ from: '2026-02-30', to: '2026-03-01', unit: 'DAY' }), 'INVALID_ARGUMENT');
    await refusedWithoutChange(
      cluster,
      ask({ from: '2025-01-01', to: '2026-01-31', unit: 'WEEK' }),
      'INVALID_ARGUMENT',
    ); // 53 weeks at most
    await refusedWithoutChange(cluster, ask({ ...period, unit: 'DAY' }), 'INVALID_ARGUMENT');
    assert.deepEqual(codes(await cluster.as({ portal: '32' }).query(DASHBOARD_QUERY, { ...period, province: '99' })), [
      'INVALID_ARGUMENT',
    ]);
    const longest = await statistics(cluster, 'dashboard', { from: beijingMonth(-35), to: beijingMonth(0) });
    assert.equal(longest.months.length, 36);
    assert.deepEqual(await kept(), before);
  });
});

describe('bookkeeping', () => {
  test('a kept figure that drifted from the tables is a reconciliation difference (R20)', async () => {
    // Drift the folded row (backend 0), which the fold adds into and never deletes while it is not all zero:
    // a session's own row may be folded away by national's timer between the drift and its undoing.
    const drift = `INSERT INTO aid_figure (backend, month, region, donor_province, aid_count, aid_amount)
      SELECT 0, month, region, donor_province, 0, $1 FROM aid_figure WHERE region = '510100' AND donor_province = '32' LIMIT 1
      ON CONFLICT (backend, month, region, donor_province) DO UPDATE SET aid_amount = aid_figure.aid_amount + excluded.aid_amount`;
    await cluster.sql('national', drift, [1]);
    try {
      const report = await reconciliation(cluster, '51');
      assert.equal(report.balanced, false);
      assert.equal(report.differences.length, 1);
      assert.match(
        report.differences[0],
        /^national figure aid \d{4}-\d{2} region 510100 donors of 32: kept 2 \/ 486\.01 yuan, the tables count 2 \/ 486\.00 yuan$/,
      );
      assert.equal((await reconciliation(cluster, '32')).balanced, true, 'each province checks its own regions');
    } finally {
      await cluster.sql('national', drift, [-1]);
    }
    await balanced(cluster);

    const dayDrift = `INSERT INTO aid_day_figure (backend, day, region, donor_province, category, insurance_type, aid_count, aid_amount)
      SELECT 0, day, region, donor_province, category, insurance_type, $1, 0 FROM aid_day_figure
      WHERE region = '510100' AND donor_province = '51' AND aid_count > 0 LIMIT 1
      ON CONFLICT (backend, day, region, donor_province, category, insurance_type) DO UPDATE SET aid_count = aid_day_figure.aid_count + excluded.aid_count`;
    await cluster.sql('national', dayDrift, [1]);
    try {
      const report = await reconciliation(cluster, '51');
      assert.equal(report.differences.length, 1);
      const said =
        /^national figure daily aid \d{4}-\d{2}-\d{2} region 510100 donors of 51, [A-Z]+, RESIDENT: kept (\d+) \/ ([\d.]+) yuan, the tables count (\d+) \/ ([\d.]+) yuan$/.exec(
          report.differences[0],
        );
      assert.ok(said, report.differences[0]);
      assert.deepEqual(
        [Number(said[1]), said[2]],
        [Number(said[3]) + 1, said[4]],
        'one count too many, the amount right',
      );
    } finally {
      await cluster.sql('national', dayDrift, [-1]);
    }
    await balanced(cluster);
  });

  test('the figure rows of database sessions that ended are folded into one, the figures unchanged', async () => {
    const before = await dashboard();
    // A session of its own changes a wallet row (any writer is counted), then ends.
    const [{ pid }] = await cluster.sql<{ pid: number }>(
      'national',
      `
      WITH moved AS (UPDATE wallet SET activated_at = activated_at - interval '400 days' WHERE member_id = $1 RETURNING 1)
      SELECT pg_backend_pid() AS pid FROM moved`,
      [m.hebei],
    );
    await cluster.sql(
      'national',
      `UPDATE wallet SET activated_at = activated_at + interval '400 days' WHERE member_id = $1`,
      [m.hebei],
    );
    const rowsOf = async () =>
      (await cluster.sql<{ backend: number }>('national', `SELECT backend FROM wallet_figure`)).map((r) => r.backend);
    assert.ok((await rowsOf()).includes(pid));
    const deadline = Date.now() + 30_000;
    while ((await rowsOf()).includes(pid)) {
      assert.ok(Date.now() < deadline, 'the row of the ended session is folded');
      await cluster.sql('national', `SELECT fold_statistics_rows()`);
      await setTimeout(100);
    }
    assert.deepEqual({ ...(await dashboard()), asOf: null }, { ...before, asOf: null });
    await assertFiguresEqualRecount('after folding');
  });
});
