import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { Figures, Statistics } from './api';
import { plotted, twoDecimals } from './format';

/**
 * The four charts, drawn with Apache ECharts (only the parts used are bundled). Tooltips are drawn
 * on the canvas (richText), so no HTML with inline styles is ever made: the page's CSP allows none.
 * No animation: a page refreshed every 30 seconds shows figures, not motion.
 */
echarts.use([
  BarChart,
  LineChart,
  HeatmapChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export type Charts = Record<'trend' | 'provinces' | 'clearing' | 'regions', echarts.ECharts>;

const WITHIN = '省内共济金额';
const CROSS = '跨省共济金额';
const COUNT = '共济人次';
const COLORS = ['#2f6fb0', '#e07b39', '#3a9d5d'];
const money = { valueFormatter: twoDecimals };

export function createCharts(): Charts {
  const make = (id: string) =>
    echarts.init(document.getElementById(id) as HTMLElement, undefined, { renderer: 'canvas' });
  const charts: Charts = {
    trend: make('trend-chart'),
    provinces: make('provinces-chart'),
    clearing: make('clearing-chart'),
    regions: make('regions-chart'),
  };
  window.addEventListener('resize', () => Object.values(charts).forEach((chart) => chart.resize()));
  return charts;
}

/**
 * Amounts within and across provinces as stacked bars, with the count (人次) on its own integer
 * axis: a line over months, a bar beside each place (places are categories, not a series).
 */
function splitBars(categories: string[], rows: Figures[], countAs: 'line' | 'bar') {
  return {
    animation: false,
    color: COLORS,
    tooltip: { trigger: 'axis' as const, renderMode: 'richText' as const },
    legend: { data: [WITHIN, CROSS, COUNT], top: 0 },
    grid: { left: 70, right: 50, top: 40, bottom: 40 },
    xAxis: { type: 'category' as const, data: categories },
    // whole units on both axes: an empty chart's grid lines would otherwise read 0.2, 0.4 … beside 人次
    yAxis: [
      { type: 'value' as const, name: '元', minInterval: 1 },
      { type: 'value' as const, name: '人次', minInterval: 1 },
    ],
    series: [
      {
        name: WITHIN,
        type: 'bar' as const,
        stack: 'amount',
        tooltip: money,
        data: rows.map((r) => plotted(r.withinProvinceAmount)),
      },
      {
        name: CROSS,
        type: 'bar' as const,
        stack: 'amount',
        tooltip: money,
        data: rows.map((r) => plotted(r.crossProvinceAmount)),
      },
      { name: COUNT, type: countAs, yAxisIndex: 1, data: rows.map((r) => r.aidCount) },
    ],
  };
}

export function drawTrend(chart: echarts.ECharts, statistics: Statistics): void {
  chart.setOption(
    splitBars(
      statistics.buckets.map((b) => b.start),
      statistics.buckets,
      'line',
    ),
    true,
  );
}

export function drawProvinces(chart: echarts.ECharts, statistics: Statistics): void {
  chart.setOption(
    splitBars(
      statistics.provinces.map((p) => p.province.name),
      statistics.provinces,
      'bar',
    ),
    true,
  );
}

export function drawRegions(chart: echarts.ECharts, regions: Statistics['regions']): void {
  chart.setOption(
    splitBars(
      regions.map((r) => r.poolingRegion.name),
      regions,
      'bar',
    ),
    true,
  );
}

/** Rows: the donors' province (debtor); columns: where the quota was spent (creditor). */
export function drawClearing(chart: echarts.ECharts, statistics: Statistics): void {
  const names = new Map<string, string>(statistics.provinces.map((p) => [p.province.code, p.province.name]));
  for (const line of statistics.clearing) for (const p of [line.debtor, line.creditor]) names.set(p.code, p.name);
  const codes = [...names.keys()].sort();
  const cells = statistics.clearing.map((l) => [
    codes.indexOf(l.creditor.code),
    codes.indexOf(l.debtor.code),
    plotted(l.amount),
  ]);
  const largest = Math.max(1, ...cells.map((c) => c[2]));
  chart.setOption(
    {
      animation: false,
      tooltip: {
        trigger: 'item',
        renderMode: 'richText',
        valueFormatter: (v: unknown) => twoDecimals(Array.isArray(v) ? v[2] : v),
      },
      grid: { left: 110, right: 30, top: 20, bottom: 90 },
      xAxis: { type: 'category', data: codes.map((c) => names.get(c)), name: '就医地', splitArea: { show: true } },
      // inverse: the first province at the top, so rows run in the order the columns do
      yAxis: {
        type: 'category',
        data: codes.map((c) => names.get(c)),
        name: '参保地',
        inverse: true,
        splitArea: { show: true },
      },
      visualMap: {
        min: 0,
        max: largest,
        calculable: true,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        inRange: { color: ['#eef4fb', '#2f6fb0'] },
      },
      series: [
        {
          name: '清算金额（元）',
          type: 'heatmap',
          data: cells,
          label: { show: true, formatter: (p: { value: unknown }) => twoDecimals((p.value as number[])[2]) },
        },
      ],
    },
    true,
  );
}
