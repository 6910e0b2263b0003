import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type {
  AidCategoryName,
  Breakdowns,
  InsuranceTypeName,
  DashboardStatistics as Statistics,
} from '../subgraphs/national/statistics/dashboard-query';
import { assertEqualsRecount, statistics } from './support/aid-statistics';
import {
  elsewhere,
  launchBrowser,
  skipBrowser,
  visit as visitWith,
  type Visit,
  type VisitOptions,
} from './support/browser';
import { readFirstSheet } from './support/xlsx';
import {
  enrol,
  key,
  REFUND,
  relate,
  settle,
  startTestCluster,
  type TestCluster,
  transfer,
} from './support/cluster-fixture';

/**
 * The national dashboard page (R23) in a real browser (test/support/browser.ts). Aid happens
 * through the graph; the page shows what the API says, the API what a full count of the tables
 * says, every chart drew its data, the page loads nothing from anywhere but the gateway and breaks
 * no rule of its CSP, it refreshes by itself, and a member's token is refused.
 */
const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-output');
const skip = skipBrowser('dashboard-page');

/** What a test reads of an ECharts instance (getModel is ECharts' own, to read the ticks it drew). */
interface DrawnChart {
  getOption(): unknown;
  convertToPixel(finder: { yAxisIndex: number }, value: number): number;
  getModel(): {
    getComponent(type: string, index: number): { axis: { scale: { getTicks(): { value: number }[] } } } | undefined;
  };
}

declare global {
  interface Window {
    /** Set by the page (dashboard/main.ts): its ECharts instances. */
    dashboardCharts?: Record<'trend' | 'provinces' | 'clearing' | 'regions', DrawnChart>;
  }
}

let cluster: TestCluster;
let browser: Browser;
const m: Record<string, string> = {};

before(async () => {
  if (skip) return;
  [cluster, browser] = await Promise.all([startTestCluster(['32', '13', '51']), launchBrowser()]);
  m.son = await enrol(cluster, { region: '320500', name: '伍强', currentYear: '3600.00' });
  m.father = await enrol(cluster, { region: '510100', name: '伍敏', type: 'RESIDENT' });
  m.mianyang = await enrol(cluster, { region: '510700', name: '刘芳', currentYear: '1800.00' });
  m.hebei = await enrol(cluster, { region: '130100', name: '张丽', currentYear: '900.00' });
  m.daughter = await enrol(cluster, { region: '320100', name: '李小雨', type: 'RESIDENT' });
  const across = await relate(cluster, m.son, m.father, 'PARENT'); // 32 → 51
  const within = await relate(cluster, m.mianyang, m.father, 'SPOUSE'); // 51 → 51
  const toJiangsu = await relate(cluster, m.hebei, m.daughter, 'CHILD'); // 13 → 32
  for (const [relationship, amount] of [
    [across, '500.00'],
    [within, '300.00'],
    [toJiangsu, '400.00'],
  ]) {
    assert.equal((await transfer(cluster, relationship, amount)).errors, undefined);
  }
  assert.equal((await settle(cluster, m.father, '236.00', '510100')).errors, undefined);
  const both = await settle(cluster, m.father, '400.00', '510100'); // 264.00 across, 136.00 within
  assert.equal((await settle(cluster, m.daughter, '180.00', '320100')).errors, undefined);
  await cluster.as({ portal: '51' }).ok(REFUND, {
    input: { settlementId: both.data?.settleExpense.id, amount: '100.00', idempotencyKey: key('refund') }, // within: 136.00 → 36.00
  });
});

after(async () => {
  await browser?.close();
  await cluster?.stop();
});

const visit = (path: string, options?: VisitOptions): Promise<Visit> =>
  visitWith(browser, `${cluster.gateway.baseUrl}${path}`, options);

const text = (page: Page, selector: string) => page.locator(selector).innerText();
const grouped = (amount: string) => {
  const [whole, fraction] = amount.split('.');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
};

async function tableRows(page: Page, id: string): Promise<string[][]> {
  return page
    .locator(`#${id} tbody tr`)
    .evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => (cell as HTMLElement).innerText)));
}

interface DrawnSeries {
  name: string;
  type: string;
  data: unknown[];
}

async function drawn(page: Page, chart: 'trend' | 'provinces' | 'clearing' | 'regions'): Promise<DrawnSeries[]> {
  return page.evaluate((name) => {
    const option = window.dashboardCharts?.[name].getOption() as { series: DrawnSeries[] } | undefined;
    return (option?.series ?? []).map((s) => ({ name: s.name, type: s.type, data: s.data }));
  }, chart);
}

async function shownPeriod(page: Page): Promise<{ from: string; to: string }> {
  return { from: await page.inputValue('#from'), to: await page.inputValue('#to') };
}

async function signedInBoard(path: string, options?: VisitOptions): Promise<Visit> {
  const visited = await visit(path, options);
  await visited.page.locator('#board').waitFor({ state: 'visible', timeout: 30_000 });
  await visited.page.waitForFunction(() => document.getElementById('this-month-count')?.textContent !== '');
  return visited;
}

test("the page shows the API's figures, the API equals a full count, and every chart drew its data", {
  skip,
}, async () => {
  const token = await cluster.token('dashboard');
  const { page, requests, problems } = await signedInBoard(`/dashboard#token=${token}`);
  assert.ok(!page.url().includes('token'), 'the token leaves the address bar');
  const api: Statistics = await statistics(cluster, 'dashboard', await shownPeriod(page));
  await assertEqualsRecount(cluster, api, 'the API');
  assert.deepEqual([api.thisMonth.aidCount, api.thisMonth.aidAmount, api.clearing.length], [4, '716.00', 2]);

  assert.equal(await text(page, '#scope'), '全国');
  assert.equal(await text(page, '#this-month-count'), String(api.thisMonth.aidCount));
  assert.equal(await text(page, '#this-month-amount'), grouped(api.thisMonth.aidAmount));
  assert.equal(await text(page, '#wallets'), String(api.walletsActivatedToDate));
  assert.equal(await text(page, '#quota-outstanding'), grouped(api.quotaOutstanding));
  assert.deepEqual(
    await tableRows(page, 'provinces-table'),
    api.provinces.map((p) => [
      p.province.name,
      String(p.aidCount),
      grouped(p.aidAmount),
      String(p.withinProvinceCount),
      grouped(p.withinProvinceAmount),
      String(p.crossProvinceCount),
      grouped(p.crossProvinceAmount),
      String(p.walletsActivated),
      String(p.walletsActivatedToDate),
      grouped(p.quotaOutstanding),
    ]),
  );
  assert.deepEqual(
    await tableRows(page, 'clearing-table'),
    api.clearing.map((l) => [
      api.provinces.find((p) => p.province.code === l.debtor.code)?.province.name,
      api.provinces.find((p) => p.province.code === l.creditor.code)?.province.name,
      grouped(l.amount),
      String(l.aidCount),
    ]),
  );

  const amounts = (rows: { withinProvinceAmount: string; crossProvinceAmount: string; aidCount: number }[]) => [
    rows.map((r) => Number(r.withinProvinceAmount)),
    rows.map((r) => Number(r.crossProvinceAmount)),
    rows.map((r) => r.aidCount),
  ];
  assert.deepEqual(
    (await drawn(page, 'trend')).map((s) => s.data),
    amounts(api.months),
  );
  assert.deepEqual(
    (await drawn(page, 'provinces')).map((s) => s.data),
    amounts(api.provinces),
  );
  const heat = (await drawn(page, 'clearing'))[0].data as number[][];
  assert.deepEqual(heat.map((cell) => cell[2]).sort(), api.clearing.map((l) => Number(l.amount)).sort());
  const selected = await page.inputValue('#region-province');
  assert.deepEqual(
    (await drawn(page, 'regions')).map((s) => s.data),
    amounts(api.regions.filter((r) => r.poolingRegion.code.startsWith(selected))),
  );
  for (const chart of ['trend', 'provinces', 'clearing', 'regions'] as const) {
    const values = (await drawn(page, chart)).flatMap((s) => s.data).flat();
    assert.ok(
      values.some((v) => typeof v === 'number' && v > 0),
      `the ${chart} chart drew its data`,
    );
  }
  await page.selectOption('#region-province', '32');
  assert.deepEqual(
    (await drawn(page, 'regions')).map((s) => s.data),
    amounts(api.regions.filter((r) => r.poolingRegion.code.startsWith('32'))),
  );
  assert.match(await text(page, '#regions-caption'), /^江苏省 各统筹区/);
  await page.selectOption('#region-province', '51');

  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard.png'), fullPage: true });
  const origin = new URL(cluster.gateway.baseUrl).origin;
  assert.deepEqual(
    elsewhere({ page, requests, problems }, origin),
    [],
    'nothing is loaded from anywhere but the gateway',
  );
  assert.deepEqual(problems, [], 'no script error, no CSP violation');

  // Refreshes by itself: new aid shows without a reload.
  assert.equal((await settle(cluster, m.father, '10.00', '510100')).errors, undefined);
  await page.waitForFunction(
    (before) => document.getElementById('this-month-count')?.textContent !== before,
    String(api.thisMonth.aidCount),
    { timeout: 60_000 },
  );
  const refreshed = await statistics(cluster, 'dashboard', await shownPeriod(page));
  assert.equal(await text(page, '#this-month-amount'), grouped(refreshed.thisMonth.aidAmount));
  await page.context().close();
});

test("a member's token is refused and nothing is shown; a portal signs in at the box and sees its own province", {
  skip,
}, async () => {
  const member = await visit(`/dashboard#token=${await cluster.token({ member: m.son })}`);
  await member.page.locator('#error').waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await text(member.page, '#error'), /无权查看/);
  assert.equal(await member.page.locator('#board').isHidden(), true);
  assert.equal(await member.page.locator('#sign-in').isVisible(), true);
  assert.equal(
    await member.page.evaluate(() => sessionStorage.getItem('dashboard-token')),
    null,
    'a refused token is forgotten',
  );
  assert.equal(await member.page.evaluate(() => window.dashboardCharts), undefined, 'no chart was drawn');

  await member.page.fill('#token-input', await cluster.token({ portal: '32' }));
  await member.page.click('#sign-in-form button');
  await member.page.locator('#board').waitFor({ state: 'visible', timeout: 30_000 });
  assert.equal(await text(member.page, '#scope'), '江苏省');
  const own = await statistics(cluster, { portal: '32' }, await shownPeriod(member.page));
  assert.deepEqual(
    (await tableRows(member.page, 'provinces-table')).map((row) => row[0]),
    ['江苏省'],
  );
  assert.equal(await text(member.page, '#this-month-amount'), grouped(own.thisMonth.aidAmount));
  // The same views for its own province: its regions, its periods, its exports.
  assert.deepEqual(
    (await tableRows(member.page, 'regions-table')).map((row) => row[0]),
    own.regions.map((r) => r.poolingRegion.code),
  );
  assert.ok(own.regions.every((r) => r.poolingRegion.code.startsWith('32')));
  const csv = await downloaded(member.page, '.exports[data-table=regions-table] button[data-format=csv]');
  assert.deepEqual(
    csv.bytes
      .toString('utf8')
      .slice(1)
      .trimEnd()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(',')[0]),
    own.regions.map((r) => r.poolingRegion.code),
  );
  await member.page.selectOption('#unit', 'WEEK');
  await member.page.waitForFunction(
    () => document.getElementById('trend-caption')?.textContent?.startsWith('每周'),
    undefined,
    { timeout: 30_000 },
  );
  const weeks = await statistics(cluster, { portal: '32' }, { ...(await shownPeriod(member.page)), unit: 'WEEK' });
  assert.equal(await text(member.page, '#period-count'), String(weeks.total.aidCount));
  assert.equal(await text(member.page, '#scope'), '江苏省');
  assert.deepEqual(
    member.problems.filter((p) => !p.includes('403') && !p.includes('401')),
    [],
  );
  await member.page.context().close();
});

test('the page comes with a strict CSP, no inline script, no other origin, and its script is revalidated by ETag', {
  skip,
}, async () => {
  const response = await fetch(`${cluster.gateway.baseUrl}/dashboard`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(response.status, 200);
  const csp = response.headers.get('content-security-policy') ?? '';
  for (const rule of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "style-src 'self'"])
    assert.ok(csp.includes(rule), rule);
  const html = await response.text();
  assert.ok(!/<script(?![^>]*\bsrc="\/dashboard\/)/.test(html), 'no inline script');
  assert.ok(!/https?:\/\//.test(html), 'no other origin named');
  const script = await fetch(`${cluster.gateway.baseUrl}/dashboard/dashboard.js`);
  assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  const etag = script.headers.get('etag') as string;
  assert.equal(
    (await fetch(`${cluster.gateway.baseUrl}/dashboard/dashboard.js`, { headers: { 'if-none-match': etag } })).status,
    304,
  );
});

test('the sign-in screen shows the sign-in box only: no period form, province picker or 退出', { skip }, async () => {
  const { page, problems } = await visit('/dashboard');
  await page.locator('#sign-in').waitFor({ state: 'visible', timeout: 30_000 });
  for (const hidden of ['#period-form', '#from', '#region-province', '#sign-out', '#board']) {
    assert.equal(await page.locator(hidden).isVisible(), false, `${hidden} is hidden`);
  }
  assert.deepEqual(problems, []);
  await page.context().close();
});

/** Every tick of every value axis of a chart. */
async function valueTicks(page: Page, chart: 'trend' | 'provinces' | 'regions'): Promise<number[][]> {
  return page.evaluate((name) => {
    const model = window.dashboardCharts?.[name].getModel();
    return [0, 1].map(
      (i) =>
        model
          ?.getComponent('yAxis', i)
          ?.axis.scale.getTicks()
          .map((t) => t.value) ?? [],
    );
  }, chart);
}

test('places are categories drawn as bars, the clearing matrix reads in one order both ways, empty charts count in whole 人次, and the time is Beijing time', {
  skip,
}, async () => {
  // A browser in New York: the update time must still be Beijing time, said as such.
  const { page, problems } = await signedInBoard(`/dashboard#token=${await cluster.token('dashboard')}`, {
    timezoneId: 'America/New_York',
  });
  const api = await statistics(cluster, 'dashboard', await shownPeriod(page));
  for (const chart of ['provinces', 'regions'] as const) {
    assert.deepEqual(
      (await drawn(page, chart)).map((s) => s.type),
      ['bar', 'bar', 'bar'],
      `no line joins the places of the ${chart} chart`,
    );
  }
  assert.deepEqual(
    (await drawn(page, 'trend')).map((s) => s.type),
    ['bar', 'bar', 'line'],
    'months are a series: the count is a line',
  );

  const axes = await page.evaluate(() => {
    const chart = window.dashboardCharts?.clearing as DrawnChart;
    const option = chart.getOption() as { xAxis: { data: string[] }[]; yAxis: { data: string[] }[] };
    const rows = option.yAxis[0].data;
    return {
      columns: option.xAxis[0].data,
      rows,
      heights: rows.map((_, i) => chart.convertToPixel({ yAxisIndex: 0 }, i)),
    };
  });
  assert.deepEqual(axes.rows, axes.columns, 'the same provinces, in the same order');
  assert.deepEqual(
    [...axes.heights].sort((a, b) => a - b),
    axes.heights,
    'the first row is at the top, as the first column is at the left',
  );

  const shown = /更新于 北京时间 (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/.exec(await text(page, '#status'));
  assert.ok(shown, await text(page, '#status'));
  const apart = Math.abs(Date.parse(`${shown[1].replace(' ', 'T')}+08:00`) - Date.parse(api.asOf));
  assert.ok(apart < 120_000, `the page shows the platform's time in Beijing time (${shown[1]}, the API ${api.asOf})`);

  // A period with no aid at all: every axis counts in whole units.
  await page.fill('#from', '2020-01');
  await page.fill('#to', '2020-03');
  await page.click('#period-form button[type=submit]');
  await page.waitForFunction(
    () => document.getElementById('period-label')?.textContent?.startsWith('2020-01'),
    undefined,
    { timeout: 30_000 },
  );
  for (const chart of ['trend', 'provinces', 'regions'] as const) {
    const ticks = (await valueTicks(page, chart)).flat();
    assert.ok(
      ticks.length > 0 && ticks.every(Number.isInteger),
      `the ${chart} chart's axes are in whole units: ${ticks.join(', ')}`,
    );
  }
  assert.deepEqual(problems, []);
  await page.context().close();
});

/** A province's (or the scope's) families, distinct people and quota, as the quota table's columns. */
const breakdown = (b: Breakdowns) => [
  b.families.established,
  b.families.ended,
  b.families.inForce,
  b.distinctDonors,
  b.distinctBeneficiaries,
  b.quota.set,
  b.quota.spent,
  b.quota.returnedUnaccepted,
  b.quota.returnedOnDissolution,
  b.quota.outstanding,
];
const shownBreakdown = (b: Breakdowns) => breakdown(b).map((v) => (typeof v === 'number' ? String(v) : grouped(v)));

/** What the page offers for download when a button is clicked: the file's name and bytes. */
async function downloaded(page: Page, selector: string): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click(selector)]);
  const path = await download.path();
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

test('every table exports as CSV (UTF-8 with a BOM) and as a real Excel workbook with the exact figures; the page prints without its controls', {
  skip,
}, async () => {
  const { page, problems } = await signedInBoard(`/dashboard#token=${await cluster.token('dashboard')}`);
  const period = await shownPeriod(page);
  const api = await statistics(cluster, 'dashboard', period);
  const figures = (p: Statistics['provinces'][number] | Statistics['regions'][number]) => [
    p.aidCount,
    p.aidAmount,
    p.withinProvinceCount,
    p.withinProvinceAmount,
    p.crossProvinceCount,
    p.crossProvinceAmount,
    p.walletsActivated,
    p.walletsActivatedToDate,
    p.quotaOutstanding,
  ];
  const expected: Record<string, (string | number)[][]> = {
    'provinces-table': api.provinces.map((p) => [p.province.name, ...figures(p)]),
    'regions-table': api.regions.map((r) => [r.poolingRegion.code, r.poolingRegion.name, ...figures(r)]),
    'clearing-table': api.clearing.map((l) => [l.debtor.name, l.creditor.name, l.amount, l.aidCount]),
    'quota-table': [...api.provinces.map((p) => [p.province.name, ...breakdown(p)]), ['合计', ...breakdown(api)]],
  };
  assert.ok(expected['regions-table'].length > 0 && expected['clearing-table'].length > 0);
  for (const [id, rows] of Object.entries(expected)) {
    const headers = await page.locator(`#${id} thead th`).allInnerTexts();
    assert.deepEqual((await tableRows(page, id)).length, rows.length, `${id} shows every row`);

    const csv = await downloaded(page, `.exports[data-table=${id}] button[data-format=csv]`);
    assert.match(csv.name, new RegExp(`_${period.from}_${period.to}\\.csv$`));
    assert.deepEqual(
      [...csv.bytes.subarray(0, 3)],
      [0xef, 0xbb, 0xbf],
      `${id}: the CSV starts with the UTF-8 byte order mark`,
    );
    const lines = csv.bytes
      .toString('utf8')
      .slice(1)
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','));
    assert.deepEqual(lines, [headers, ...rows.map((row) => row.map(String))], `${id}: the CSV has the exact figures`);

    const xlsx = await downloaded(page, `.exports[data-table=${id}] button[data-format=xlsx]`);
    assert.match(xlsx.name, /\.xlsx$/);
    const sheet = readFirstSheet(xlsx.bytes);
    const money = (value: string | number) =>
      typeof value === 'string' && /^-?\d+\.\d\d$/.test(value) ? Number(value) : value;
    assert.deepEqual(
      sheet.rows,
      [headers, ...rows.map((row) => row.map(money))],
      `${id}: the workbook has the figures as numbers`,
    );
    for (const [r, row] of rows.entries()) {
      for (const [c, value] of row.entries()) {
        const format = sheet.formats[r + 1][c];
        if (typeof value === 'string' && money(value) !== value)
          assert.equal(format, '#,##0.00', `${id} row ${r} column ${c}: yuan to the fen`);
      }
    }
  }

  // National totals carry their unit (元 below 1 万); the exact yuan is on hover.
  assert.equal(await text(page, '#this-month-amount-unit'), '元');
  assert.equal(
    await page.locator('#this-month-amount').getAttribute('title'),
    `${grouped(api.thisMonth.aidAmount)} 元`,
  );
  assert.equal(await text(page, '#period-amount'), grouped(api.total.aidAmount));

  await page.emulateMedia({ media: 'print' });
  for (const hidden of ['#period-form', '#sign-out', '#print', '.exports >> nth=0']) {
    assert.equal(await page.locator(hidden).isVisible(), false, `${hidden} is not printed`);
  }
  for (const shownWhenPrinted of [
    '#print-note',
    '#provinces-table',
    '#regions-table',
    '#clearing-table',
    '#trend-chart',
    'footer',
  ]) {
    assert.equal(await page.locator(shownWhenPrinted).isVisible(), true, `${shownWhenPrinted} is printed`);
  }
  assert.match(
    await text(page, '#print-note'),
    new RegExp(`^统计期间 ${period.from} 至 ${period.to} · 数据时间 北京时间 `),
  );
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const pdf = await page.pdf({ path: join(SCREENSHOT_DIR, 'dashboard.pdf'), preferCSSPageSize: true });
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  await page.emulateMedia({ media: 'screen' });
  assert.equal(await page.locator('#period-form').isVisible(), true);
  assert.deepEqual(problems, [], 'no script error, no CSP violation (the workbook is written in the page)');
  await page.context().close();
});

test('periods of days and weeks as well as months, with the change on the period before (环比) and a year earlier (同比)', {
  skip,
}, async () => {
  const { page, problems } = await signedInBoard(`/dashboard#token=${await cluster.token('dashboard')}`);
  const month = await statistics(cluster, 'dashboard', await shownPeriod(page));
  assert.equal(await text(page, '#period-count'), String(month.total.aidCount));
  assert.equal(await text(page, '#period-count-change'), '环比 — · 同比 —', 'nothing to compare with: no aid before');

  // The platform clock's Beijing day: all aid is on it (a refund perhaps the next day, by the database's time).
  const today = Date.parse(`${new Date(Date.parse(month.asOf) + 8 * 3_600_000).toISOString().slice(0, 10)}T00:00:00Z`);
  const day = (offset: number) => new Date(today + offset * 86_400_000).toISOString().slice(0, 10);
  const ask = async (unit: string, from: string, to: string) => {
    if ((await page.inputValue('#unit')) !== unit) {
      await page.selectOption('#unit', unit);
      await page.waitForFunction(
        (u) => document.getElementById('trend-caption')?.textContent?.startsWith(u),
        unit === 'DAY' ? '每日' : '每周',
      );
    }
    await page.fill('#from', from);
    await page.fill('#to', to);
    await page.click('#period-form button[type=submit]');
    const api = await statistics(cluster, 'dashboard', { from, to, unit: unit as 'DAY' | 'WEEK' });
    await page.waitForFunction(
      (label) => document.getElementById('period-label')?.textContent === label,
      `${api.from} 至 ${api.to}`,
      { timeout: 30_000 },
    );
    return api;
  };

  const days = await ask('DAY', day(-1), day(1));
  assert.deepEqual(
    days.buckets.map((b) => b.start),
    [day(-1), day(0), day(1)],
  );
  const xAxis = async () =>
    page.evaluate(
      () =>
        (window.dashboardCharts?.trend.getOption() as { xAxis: { data: string[] }[] } | undefined)?.xAxis[0].data ?? [],
    );
  assert.deepEqual(
    await xAxis(),
    days.buckets.map((b) => b.start),
    'the trend is by day',
  );
  assert.deepEqual(
    (await drawn(page, 'trend')).map((s) => s.data),
    [
      days.buckets.map((b) => Number(b.withinProvinceAmount)),
      days.buckets.map((b) => Number(b.crossProvinceAmount)),
      days.buckets.map((b) => b.aidCount),
    ],
  );
  assert.equal(await text(page, '#period-count'), String(month.total.aidCount), 'the days hold all the aid');
  assert.equal(await text(page, '#period-amount'), grouped(days.total.aidAmount));
  assert.deepEqual(
    (await tableRows(page, 'provinces-table')).map((r) => [r[0], r[1], r[2]]),
    days.provinces.map((p) => [p.province.name, String(p.aidCount), grouped(p.aidAmount)]),
  );
  assert.deepEqual(
    (await tableRows(page, 'clearing-table')).map((r) => r[2]),
    days.clearing.map((l) => grouped(l.amount)),
  );

  // Days after the aid: nothing, against the days that held all of it.
  const after = await ask('DAY', day(2), day(4));
  assert.deepEqual(
    [after.total.aidCount, after.previousPeriod?.from, after.previousPeriod?.aidCount],
    [0, day(-1), month.total.aidCount],
  );
  assert.equal(await text(page, '#period-count-change'), '环比 -100.0% · 同比 —');

  const weeks = await ask('WEEK', day(-14), day(0));
  assert.equal(weeks.buckets.length, 3);
  assert.deepEqual(
    await xAxis(),
    weeks.buckets.map((b) => b.start),
  );
  for (const start of await xAxis())
    assert.equal(new Date(`${start}T00:00:00Z`).getUTCDay(), 1, `${start} is a Monday`);
  assert.equal(await text(page, '#period-count'), String(weeks.total.aidCount));
  assert.deepEqual(problems, []);
  await page.context().close();
});

test("filters by expense category and insurance type; families, distinct donors and beneficiaries and the quota table are the API's, for the dashboard and a portal", {
  skip,
}, async () => {
  const { page, problems } = await signedInBoard(`/dashboard#token=${await cluster.token('dashboard')}`);
  const period = await shownPeriod(page);
  const api = await statistics(cluster, 'dashboard', period);
  assert.deepEqual(
    [api.families.inForce, api.distinctDonors, api.distinctBeneficiaries],
    [3, 3, 2],
    'three families; 伍强, 刘芳, 张丽 aided 伍敏, 李小雨',
  );
  assert.deepEqual(await tableRows(page, 'quota-table'), [
    ...api.provinces.map((p) => [p.province.name, ...shownBreakdown(p)]),
    ['合计', ...shownBreakdown(api)],
  ]);
  assert.deepEqual(
    [
      await text(page, '#families-in-force'),
      await text(page, '#distinct-donors'),
      await text(page, '#distinct-beneficiaries'),
    ],
    ['3', '3', '2'],
  );

  const filters: [AidCategoryName | '', InsuranceTypeName | '', string][] = [
    ['PHARMACY', '', '仅药店购药'],
    ['OUTPATIENT', 'RESIDENT', '仅门诊、被共济人为城乡居民医保'],
    ['', 'EMPLOYEE', '仅被共济人为职工医保'],
  ];
  for (const [category, insuranceType, note] of filters) {
    await page.selectOption('#category', category);
    await page.selectOption('#insurance-type', insuranceType);
    await page.waitForFunction((n) => document.getElementById('filter-note')?.textContent === n, note, {
      timeout: 30_000,
    });
    const filtered = await statistics(cluster, 'dashboard', {
      ...period,
      category: category || undefined,
      insuranceType: insuranceType || undefined,
    });
    await page.waitForFunction(
      (n) => document.getElementById('period-count')?.textContent === n,
      String(filtered.total.aidCount),
      { timeout: 30_000 },
    );
    assert.deepEqual(
      [
        await text(page, '#period-amount'),
        await text(page, '#distinct-donors'),
        await text(page, '#distinct-beneficiaries'),
      ],
      [grouped(filtered.total.aidAmount), String(filtered.distinctDonors), String(filtered.distinctBeneficiaries)],
      note,
    );
    assert.deepEqual(
      await tableRows(page, 'quota-table'),
      [
        ...filtered.provinces.map((p) => [p.province.name, ...shownBreakdown(p)]),
        ['合计', ...shownBreakdown(filtered)],
      ],
      `${note}: families and quota are not narrowed`,
    );
    const whole = category !== 'PHARMACY' && insuranceType !== 'EMPLOYEE';
    assert.deepEqual(
      [filtered.total.aidCount, filtered.total.aidAmount],
      whole ? [api.total.aidCount, api.total.aidAmount] : [0, '0.00'],
      note,
    );
  }
  assert.deepEqual(problems, []);
  await page.context().close();

  // A portal: its own province, the same figures and filters.
  const portal = await signedInBoard(`/dashboard#token=${await cluster.token({ portal: '51' })}`);
  assert.equal(await text(portal.page, '#scope'), '四川省');
  await portal.page.selectOption('#category', 'OUTPATIENT');
  await portal.page.waitForFunction(() => document.getElementById('filter-note')?.textContent === '仅门诊', undefined, {
    timeout: 30_000,
  });
  const own = await statistics(
    cluster,
    { portal: '51' },
    { ...(await shownPeriod(portal.page)), category: 'OUTPATIENT' },
  );
  assert.deepEqual(
    [own.province?.code, own.distinctDonors, own.distinctBeneficiaries, own.families.inForce],
    ['51', 2, 1, 1],
  );
  assert.deepEqual(await tableRows(portal.page, 'quota-table'), [['四川省', ...shownBreakdown(own.provinces[0])]]);
  assert.deepEqual(shownBreakdown(own.provinces[0]), shownBreakdown(own), 'the province is the whole scope');
  assert.deepEqual(
    [
      await text(portal.page, '#period-count'),
      await text(portal.page, '#distinct-donors'),
      await text(portal.page, '#distinct-beneficiaries'),
    ],
    [String(own.total.aidCount), '2', '1'],
  );
  assert.deepEqual(portal.problems, []);
  await portal.page.context().close();
});
