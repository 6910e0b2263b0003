import { ConfigMap } from 'kubernetes-models/v1';
import type { CustomResource } from './custom-resource';
import { labelsOf, PART_OF } from './settings';

/**
 * Prometheus Operator objects for the metrics the services serve at /metrics (their names are in
 * subgraphs/common/platform/observability, subgraphs/national/national-metrics.ts, gateway/gateway-metrics.ts;
 * the tests check that every name used here exists there).
 */
export function serviceMonitor(name: string, services: string[]): CustomResource {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name, labels: labelsOf(name, 'monitoring') },
    spec: {
      selector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: services }] },
      endpoints: [{ port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }],
      jobLabel: 'app.kubernetes.io/name',
    },
  };
}

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string; description: string };
}

/** How old a province step may be, unapplied, before someone is called (R30: money is held meanwhile). */
export const OUTBOX_STEP_ALERT_MINUTES = 15;

/** Past this, the periodic reconciliation (every 15 minutes by default) has missed several rounds. */
export const RECONCILIATION_ALERT_MINUTES = 60;

export const NATIONAL_CENTRE_ALERTS: AlertRule[] = [
  {
    alert: 'WalletProvinceDown',
    expr: 'max by (province) (wallet_province_deployment_healthy) == 0',
    for: '5m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Province {{ $labels.province }} is not answering the gateway',
      description:
        'No gateway copy has seen the deployment of province {{ $labels.province }} healthy for 5 minutes (unreachable or drifted): its members get PROVINCE_UNAVAILABLE.',
    },
  },
  {
    alert: 'WalletOutboxStepOld',
    expr: `max by (province) (wallet_outbox_oldest_step_age_seconds) > ${OUTBOX_STEP_ALERT_MINUTES * 60}`,
    for: '5m',
    labels: { severity: 'warning' },
    annotations: {
      summary: `A step for province {{ $labels.province }} has waited more than ${OUTBOX_STEP_ALERT_MINUTES} minutes`,
      description:
        'National cannot apply its oldest step in the province (a hold, capture or release): the money stays held until it is applied.',
    },
  },
  {
    alert: 'WalletRecoveryStuck',
    expr: 'sum(increase(wallet_recovery_rounds_total{outcome="completed"}[15m])) == 0',
    for: '5m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'The recovery worker has completed no round in 15 minutes',
      description:
        'Unfinished transfers, settlements and moves are not being driven to a final state (national down, or its rounds failing: see wallet_recovery_rounds_total{outcome="failed"}).',
    },
  },
  {
    alert: 'WalletRecoveryFailing',
    expr: 'sum(increase(wallet_recovery_rounds_total{outcome="failed"}[15m])) > 0',
    for: '15m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'Recovery rounds are failing',
      description: 'National logs "recovery round failed" with the reason.',
    },
  },
  {
    alert: 'WalletReconciliationDifferences',
    expr: 'max by (province) (wallet_reconciliation_differences) > 0',
    for: '1m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'R20 reconciliation of province {{ $labels.province }} found {{ $value }} differences',
      description:
        "Accounts, holds, ledger entries or moves of the province do not match what national knows. The province portal's reconciliation query names them; entries missing (wallet_reconciliation_missing_entries) after a restore are booked again by restore-heal (docs/replicas-and-restore.md).",
    },
  },
  {
    alert: 'WalletReconciliationNotRun',
    expr: `max by (province) (wallet_reconciliation_age_seconds) > ${RECONCILIATION_ALERT_MINUTES * 60}`,
    for: '5m',
    labels: { severity: 'warning' },
    annotations: {
      summary: `Province {{ $labels.province }} has not been reconciled for ${RECONCILIATION_ALERT_MINUTES} minutes`,
      description:
        "National's periodic reconciliation (RECONCILIATION_INTERVAL_MS) cannot reach the province or fails: national logs why.",
    },
  },
  {
    alert: 'WalletServiceDown',
    expr: 'up{job=~"gateway|national"} == 0',
    for: '2m',
    labels: { severity: 'critical' },
    annotations: {
      summary: '{{ $labels.job }} copy {{ $labels.pod }} does not answer /metrics',
      description: 'Prometheus cannot scrape it.',
    },
  },
];

export const PROVINCE_ALERTS: AlertRule[] = [
  {
    alert: 'WalletProvinceProcessDown',
    expr: 'up{job="province"} == 0',
    for: '2m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Province copy {{ $labels.pod }} does not answer /metrics',
      description: 'Prometheus cannot scrape it.',
    },
  },
  {
    alert: 'WalletKeptFiguresBehind',
    expr: 'max(wallet_kept_figures_fold_lag_seconds) > 600',
    for: '10m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'Kept figures are more than 10 minutes behind',
      description: 'The folding of figure rows is late (R23 figures read from older rows).',
    },
  },
  {
    alert: 'WalletDatabasePoolWaiting',
    expr: 'max(wallet_db_pool_waiting) > 0',
    for: '5m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'Requests wait for a database connection',
      description: 'The pool is exhausted for 5 minutes: more copies, or a slow database.',
    },
  },
];

export function prometheusRule(name: string, rules: AlertRule[]): CustomResource {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name, labels: labelsOf(name, 'monitoring') },
    spec: { groups: [{ name: PART_OF, rules }] },
  };
}

interface Panel {
  title: string;
  expr: string;
  legend: string;
  unit: string;
}

const PANELS: Panel[] = [
  {
    title: 'Requests per second',
    expr: 'sum by (job, kind) (rate(wallet_requests_total[5m]))',
    legend: '{{job}} {{kind}}',
    unit: 'reqps',
  },
  {
    title: 'Errors per second, by code',
    expr: 'sum by (code) (rate(wallet_request_errors_total[5m]))',
    legend: '{{code}}',
    unit: 'reqps',
  },
  {
    title: 'Request time, 95th percentile',
    expr: 'histogram_quantile(0.95, sum by (job, le) (rate(wallet_request_duration_seconds_bucket[5m])))',
    legend: '{{job}}',
    unit: 's',
  },
  {
    title: 'Subgraph fetch time, 95th percentile',
    expr: 'histogram_quantile(0.95, sum by (subgraph, le) (rate(wallet_subgraph_fetch_duration_seconds_bucket[5m])))',
    legend: '{{subgraph}}',
    unit: 's',
  },
  {
    title: 'Province deployments healthy',
    expr: 'max by (province) (wallet_province_deployment_healthy)',
    legend: '{{province}}',
    unit: 'short',
  },
  {
    title: 'Outbox: steps not applied',
    expr: 'max by (province) (wallet_outbox_unapplied_steps)',
    legend: '{{province}}',
    unit: 'short',
  },
  {
    title: 'Outbox: oldest step',
    expr: 'max by (province) (wallet_outbox_oldest_step_age_seconds)',
    legend: '{{province}}',
    unit: 's',
  },
  {
    title: 'Province steps, by outcome',
    expr: 'sum by (outcome) (rate(wallet_province_steps_total[5m]))',
    legend: '{{outcome}}',
    unit: 'ops',
  },
  {
    title: 'Recovery rounds',
    expr: 'sum by (outcome) (increase(wallet_recovery_rounds_total[15m]))',
    legend: '{{outcome}}',
    unit: 'short',
  },
  {
    title: 'Recovery: work finished',
    expr: 'sum by (work) (increase(wallet_recovery_finished_total[15m]))',
    legend: '{{work}}',
    unit: 'short',
  },
  {
    title: 'Database pool connections',
    expr: 'sum by (job, pool, state) (wallet_db_pool_connections)',
    legend: '{{job}} {{pool}} {{state}}',
    unit: 'short',
  },
  {
    title: 'R20 reconciliation differences',
    expr: 'max by (province) (wallet_reconciliation_differences)',
    legend: '{{province}}',
    unit: 'short',
  },
  {
    title: 'Kept figures fold lag',
    expr: 'max by (job) (wallet_kept_figures_fold_lag_seconds)',
    legend: '{{job}}',
    unit: 's',
  },
];

/** A Grafana dashboard of the metrics above, as a ConfigMap Grafana's sidecar loads (label grafana_dashboard). */
export function grafanaDashboard(): ConfigMap {
  const dashboard = {
    title: 'Medical wallet federation',
    uid: 'medical-wallet-federation',
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus' }] },
    panels: PANELS.map((panel, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: panel.title,
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      targets: [{ refId: 'A', expr: panel.expr, legendFormat: panel.legend }],
    })),
  };
  return new ConfigMap({
    metadata: {
      name: 'wallet-dashboard',
      labels: { ...labelsOf('wallet-dashboard', 'monitoring'), grafana_dashboard: '1' },
    },
    data: { 'medical-wallet-federation.json': `${JSON.stringify(dashboard, null, 2)}\n` },
  });
}
