import { Gauge } from 'prom-client';
import { durationHistogram, metricsEnabled } from '../subgraphs/common/observability/metrics';
import type { DeploymentHealth, DeploymentState } from './deployment-health';

/**
 * What only the gateway knows: how long its fetches from each subgraph deployment take, and the
 * health of every provincial deployment (as its drift check and the router see it).
 */
const fetchDuration = durationHistogram(
  'wallet_subgraph_fetch_duration_seconds',
  'Fetches from subgraphs, by subgraph and province (national: none), and how they ended: answered, refused (HTTP 4xx) or unreachable.',
  ['subgraph', 'province', 'outcome'],
);

/** Which deployment a fetch goes to. */
export interface FetchTarget {
  subgraph: string;
  province?: string;
}

export type FetchOutcome = 'answered' | 'refused' | 'unreachable';

export function timeFetch(target: FetchTarget, started: bigint, outcome: FetchOutcome): void {
  if (!metricsEnabled()) return;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fetchDuration.observe({ subgraph: target.subgraph, province: target.province ?? '', outcome }, seconds);
}

const STATES: readonly DeploymentState[] = ['unverified', 'healthy', 'drifted', 'unreachable'];
let deployments: DeploymentHealth | undefined;

new Gauge({
  name: 'wallet_province_deployment_healthy',
  help: '1 when the province’s deployment answers and serves the checked-in province schema (it is routed to), else 0.',
  labelNames: ['province'],
  collect() {
    this.reset();
    for (const s of deployments?.all() ?? []) this.set({ province: s.province }, s.state === 'healthy' ? 1 : 0);
  },
});
new Gauge({
  name: 'wallet_province_deployment_state',
  help: 'The state of each province’s deployment: 1 for the state it is in (unverified, healthy, drifted, unreachable), 0 for the others.',
  labelNames: ['province', 'state'],
  collect() {
    this.reset();
    for (const s of deployments?.all() ?? []) {
      for (const state of STATES) this.set({ province: s.province, state }, s.state === state ? 1 : 0);
    }
  },
});

/** Reports these deployments in the health gauges. */
export function watchDeploymentHealth(health: DeploymentHealth): void {
  deployments = health;
}
