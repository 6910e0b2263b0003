import { fetchStatistics, type Figures, GraphError, type Question, type Stocks, type Statistics } from './api';
import { type Charts, createCharts, drawClearing, drawProvinces, drawRegions, drawTrend } from './charts';
import {
  type AidCategoryName,
  beijingMonth,
  type Breakdowns,
  type InsuranceTypeName,
  type PeriodUnitName,
} from '../subgraphs/national/statistics/dashboard-query';
import { fenOf, inUnit, unitFor } from '../subgraphs/national/statistics/money-units';
import { exportTable } from './export';
import { beijingDay, beijingTime, change, count, monthsBetween, yuan } from './format';
import { drawTable, money, number, type Table, text } from './tables';

/**
 * The national dashboard page (R23): signs in with a token from the link (#token=…) or the
 * sign-in box, kept for this tab only (sessionStorage), asks the graph every 30 seconds and
 * whenever the period changes, and draws the figures. Everything it loads comes from the gateway.
 */
const REFRESH_MS = 30_000;
const MAX_MONTHS = 36;
const TOKEN_KEY = 'dashboard-token';

declare global {
  interface Window {
    /** The charts, for a test or a curious reader in the console (getOption() shows what was drawn). */
    dashboardCharts?: Charts;
  }
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const show = (id: string, visible: boolean) => {
  $(id).hidden = !visible;
};

let charts: Charts | undefined;
let latest: Statistics | undefined;
let timer: number | undefined;
/** The tables as last drawn, for their exports. */
let tables: Table[] = [];

function tokenFromLink(): void {
  const match = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (!match) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
  history.replaceState(null, '', location.pathname + location.search); // the token leaves the address bar
}

function showError(message: string | null): void {
  $('error').textContent = message ?? '';
  show('error', message !== null);
}

function signIn(message: string | null): void {
  window.clearInterval(timer);
  sessionStorage.removeItem(TOKEN_KEY);
  show('board', false);
  show('period-form', false);
  show('sign-in', true);
  showError(message);
}

const UNIT_NAMES: Record<PeriodUnitName, string> = { MONTH: '月度', WEEK: '每周（周一起）', DAY: '每日' };

/** The period inputs for a unit: months, or days (a week is any day of it), with a default period. */
function setUnit(unit: PeriodUnitName): void {
  const [type, from, to] =
    unit === 'MONTH'
      ? ['month', beijingMonth(-11), beijingMonth(0)]
      : unit === 'WEEK'
        ? ['date', beijingDay(-7 * 11), beijingDay(0)]
        : ['date', beijingDay(-29), beijingDay(0)];
  for (const [id, value] of [
    ['from', from],
    ['to', to],
  ])
    Object.assign($<HTMLInputElement>(id), { type, value });
}

const REFUSALS: Record<string, string> = {
  UNAUTHENTICATED: '令牌无效或已过期，请重新登录。',
  FORBIDDEN: '此令牌无权查看统计：仅限全国统计看板与省级门户。',
};

async function load(): Promise<void> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return signIn(null);
  const from = $<HTMLInputElement>('from').value;
  const to = $<HTMLInputElement>('to').value;
  const unit = $<HTMLSelectElement>('unit').value as PeriodUnitName;
  const question: Question = {
    from,
    to,
    unit,
    category: ($<HTMLSelectElement>('category').value || null) as AidCategoryName | null,
    insuranceType: ($<HTMLSelectElement>('insurance-type').value || null) as InsuranceTypeName | null,
  };
  if (!from || !to || from > to) return showError('统计期间有误：起始不能晚于结束。');
  if (unit === 'MONTH' && monthsBetween(from, to) > MAX_MONTHS)
    return showError(`统计期间有误：最长 ${MAX_MONTHS} 个月。`);
  $('status').textContent = '正在更新…';
  try {
    latest = await fetchStatistics(token, question);
  } catch (error) {
    const code = error instanceof GraphError ? error.code : 'NETWORK';
    if (REFUSALS[code]) return signIn(REFUSALS[code]);
    $('status').textContent = '更新失败，30 秒后重试';
    return showError(
      code === 'INVALID_ARGUMENT' ? `统计期间有误：${(error as Error).message}` : `暂时无法获取数据（${code}）。`,
    );
  }
  showError(null);
  show('sign-in', false);
  show('period-form', true);
  show('board', true);
  render(latest);
  $('status').textContent = `更新于 北京时间 ${beijingTime(latest.asOf)} · 每 30 秒自动刷新`;
  $('print-note').textContent =
    `统计期间 ${latest.from} 至 ${latest.to} · 数据时间 北京时间 ${beijingTime(latest.asOf)}`;
}

function render(statistics: Statistics): void {
  if (!charts) {
    charts = createCharts();
    charts.provinces.on('click', (event) => chooseProvince(latest?.provinces[event.dataIndex]?.province.code));
    window.dashboardCharts = charts;
  }
  $('scope').textContent = statistics.province ? statistics.province.name : '全国';
  $('current-month').textContent = statistics.currentMonth;
  $('this-month-count').textContent = count(statistics.thisMonth.aidCount);
  showTotal('this-month-amount', statistics.thisMonth.aidAmount);
  showTotal('period-amount', statistics.total.aidAmount);
  $('period-count').textContent = count(statistics.total.aidCount);
  const { previousPeriod: before, yearEarlier: yearBefore } = statistics;
  const changes = (of: (f: Figures) => bigint) =>
    `环比 ${change(of(statistics.total), before && of(before))} · 同比 ${change(of(statistics.total), yearBefore && of(yearBefore))}`;
  $('period-count-change').textContent = changes((f) => BigInt(f.aidCount));
  $('period-amount-change').textContent = changes((f) => fenOf(f.aidAmount));
  $('trend-caption').textContent = `${UNIT_NAMES[statistics.unit]}趋势：省内 / 跨省共济`;
  $('wallets').textContent = count(statistics.walletsActivatedToDate);
  showTotal('quota-outstanding', statistics.quotaOutstanding);
  $('period-label').textContent = `${statistics.from} 至 ${statistics.to}`;
  $('families-in-force').textContent = count(statistics.families.inForce);
  $('families-change').textContent =
    `期间新建 ${count(statistics.families.established)} · 解除 ${count(statistics.families.ended)}`;
  $('distinct-donors').textContent = count(statistics.distinctDonors);
  $('distinct-beneficiaries').textContent = count(statistics.distinctBeneficiaries);
  $('filter-note').textContent = filterNote(statistics);
  fillProvinceChoice(statistics);
  drawTrend(charts.trend, statistics);
  drawProvinces(charts.provinces, statistics);
  drawClearing(charts.clearing, statistics);
  renderRegions();
  tables = tablesOf(statistics);
  tables.forEach(drawTable);
}

/** A national total in 元, 万元 or 亿元, with the exact amount in yuan on hover. */
function showTotal(id: string, amount: string): void {
  const unit = unitFor(amount);
  $(id).textContent = inUnit(amount, unit);
  $(id).title = `${yuan(amount)} 元`;
  $(`${id}-unit`).textContent = unit;
}

const FIGURE_HEADERS = [
  '共济人次',
  '共济金额（元）',
  '省内人次',
  '省内金额（元）',
  '跨省人次',
  '跨省金额（元）',
  '新开通钱包',
  '累计钱包',
  '待使用额度（元）',
];

const placeCells = (p: Figures & Stocks) => [
  number(p.aidCount),
  money(p.aidAmount),
  number(p.withinProvinceCount),
  money(p.withinProvinceAmount),
  number(p.crossProvinceCount),
  money(p.crossProvinceAmount),
  number(p.walletsActivated),
  number(p.walletsActivatedToDate),
  money(p.quotaOutstanding),
];

const CATEGORY_NAMES: Record<AidCategoryName, string> = {
  OUTPATIENT: '门诊',
  INPATIENT: '住院',
  PHARMACY: '药店购药',
  PREMIUM: '参保缴费',
};
const INSURANCE_NAMES: Record<InsuranceTypeName, string> = { EMPLOYEE: '职工医保', RESIDENT: '城乡居民医保' };

/** Which filters the aid figures are narrowed by, in words ('' when none). */
function filterNote(statistics: Statistics): string {
  const parts = [
    statistics.category && CATEGORY_NAMES[statistics.category],
    statistics.insuranceType && `被共济人为${INSURANCE_NAMES[statistics.insuranceType]}`,
  ].filter(Boolean);
  return parts.length ? `仅${parts.join('、')}` : '';
}

const QUOTA_HEADERS = [
  '新建家庭',
  '解除家庭',
  '存续家庭',
  '共济人（人）',
  '被共济人（人）',
  '设置额度（元）',
  '已使用（元）',
  '06:00 退回（元）',
  '解除退回（元）',
  '待使用（元）',
];

const breakdownCells = (b: Breakdowns) => [
  number(b.families.established),
  number(b.families.ended),
  number(b.families.inForce),
  number(b.distinctDonors),
  number(b.distinctBeneficiaries),
  money(b.quota.set),
  money(b.quota.spent),
  money(b.quota.returnedUnaccepted),
  money(b.quota.returnedOnDissolution),
  money(b.quota.outstanding),
];

function tablesOf(statistics: Statistics): Table[] {
  return [
    {
      id: 'quota-table',
      title: '共济家庭与额度',
      headers: ['省份', ...QUOTA_HEADERS],
      rows: [
        ...statistics.provinces.map((p) => ({
          key: p.province.code,
          cells: [text(p.province.name), ...breakdownCells(p)],
        })),
        ...(statistics.province ? [] : [{ key: 'total', cells: [text('合计'), ...breakdownCells(statistics)] }]),
      ],
    },
    {
      id: 'provinces-table',
      title: '各省明细',
      headers: ['省份', ...FIGURE_HEADERS],
      rows: statistics.provinces.map((p) => ({
        key: p.province.code,
        cells: [text(p.province.name), ...placeCells(p)],
      })),
    },
    {
      id: 'regions-table',
      title: '各统筹区明细',
      headers: ['统筹区代码', '统筹区', ...FIGURE_HEADERS],
      rows: statistics.regions.map((r) => ({
        key: r.poolingRegion.code,
        cells: [text(r.poolingRegion.code), text(r.poolingRegion.name), ...placeCells(r)],
      })),
    },
    {
      id: 'clearing-table',
      title: '省际清算',
      headers: ['债务方', '债权方', '金额（元）', '共济人次'],
      rows: statistics.clearing.map((l) => ({
        key: `${l.debtor.code}-${l.creditor.code}`,
        cells: [text(l.debtor.name), text(l.creditor.name), money(l.amount), number(l.aidCount)],
      })),
    },
  ];
}

function fillProvinceChoice(statistics: Statistics): void {
  const select = $<HTMLSelectElement>('region-province');
  const chosen =
    select.value || statistics.province?.code || statistics.provinces.find((p) => p.aidCount > 0)?.province.code;
  select.replaceChildren(...statistics.provinces.map((p) => new Option(p.province.name, p.province.code)));
  select.value = statistics.provinces.some((p) => p.province.code === chosen)
    ? (chosen as string)
    : (statistics.provinces[0]?.province.code ?? '');
}

function chooseProvince(code: string | undefined): void {
  if (!code) return;
  $<HTMLSelectElement>('region-province').value = code;
  renderRegions();
}

function renderRegions(): void {
  if (!latest || !charts) return;
  const select = $<HTMLSelectElement>('region-province');
  const regions = latest.regions.filter((r) => r.poolingRegion.code.startsWith(select.value));
  $('regions-caption').textContent = `${select.selectedOptions[0]?.textContent ?? ''} 各统筹区（期间内）`;
  drawRegions(charts.regions, regions);
}

function start(): void {
  tokenFromLink();
  setUnit('MONTH');
  $('unit').addEventListener('change', () => {
    setUnit($<HTMLSelectElement>('unit').value as PeriodUnitName);
    void load();
  });
  $('period-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  $('region-province').addEventListener('change', renderRegions);
  for (const id of ['category', 'insurance-type']) $(id).addEventListener('change', () => void load());
  $('sign-out').addEventListener('click', () => signIn(null));
  $('print').addEventListener('click', () => window.print());
  for (const bar of document.querySelectorAll<HTMLElement>('.exports')) {
    bar.addEventListener('click', (event) => {
      const format = (event.target as HTMLElement).dataset.format;
      const table = tables.find((t) => t.id === bar.dataset.table);
      if (table && latest && (format === 'csv' || format === 'xlsx'))
        void exportTable(table, format, `${latest.from}_${latest.to}`);
    });
  }
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $<HTMLTextAreaElement>('token-input').value.trim());
    $<HTMLTextAreaElement>('token-input').value = '';
    void load().then(() => {
      if (sessionStorage.getItem(TOKEN_KEY)) schedule();
    });
  });
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    signIn(null);
    return;
  }
  void load();
  schedule();
}

function schedule(): void {
  window.clearInterval(timer);
  timer = window.setInterval(() => void load(), REFRESH_MS);
}

start();
