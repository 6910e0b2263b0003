import type { AidPair } from './bench-data';
import type { Callers } from './callers';
import type { BenchConfig } from './config';
import type { GraphQLEndpoint, Operation } from './load';
import * as ops from './operations';

/**
 * The scenarios in the order they run. Reads run at the read concurrency (the machine saturated:
 * throughput) and with a single caller (latency without queueing), so that a ratio of p50s says
 * both what a loaded platform and what one user sees. Peers run while their processes are up.
 * The two sides of a ratio share a group and run interleaved, so that drift of a shared machine
 * falls on both alike.
 */
export interface Endpoints {
  gateway: GraphQLEndpoint;
  national: GraphQLEndpoint;
  provinces: ReadonlyMap<string, GraphQLEndpoint>;
  apolloGateway?: GraphQLEndpoint;
  hiveGateway?: GraphQLEndpoint;
}

export interface ScenarioInputs {
  endpoints: Endpoints;
  pairs: readonly AidPair[];
  callers: Callers;
  provinceOf: (memberId: string) => string;
  provinceCount: number;
}

export type Phase = 'reads' | 'peers' | 'writes';

export interface Scenario {
  key: string;
  /** Scenarios of one group are compared with each other, so they run interleaved (run.ts). */
  group: string;
  label: string;
  concurrency: number;
  phase: Phase;
  operation(inputs: ScenarioInputs): Operation;
}

const need = (endpoint: GraphQLEndpoint | undefined, name: string): GraphQLEndpoint => {
  if (!endpoint) throw new Error(`${name} is not running`);
  return endpoint;
};

export function allScenarios(config: BenchConfig): Scenario[] {
  const reads = config.readConcurrency;
  const writes = config.writeConcurrency;
  const federated = (i: ScenarioInputs) => ops.federatedRead(i.endpoints.gateway, i.pairs, i.callers);
  const direct = (i: ScenarioInputs) =>
    ops.directRead(i.endpoints.national, i.endpoints.provinces, i.provinceOf, i.pairs, i.callers);
  const fanOut = (i: ScenarioInputs) => ops.figuresOfAll(i.endpoints.gateway, i.provinceCount, i.callers);
  const single = (i: ScenarioInputs) => ops.figuresOfOne(i.endpoints.gateway, i.callers);
  const own = (i: ScenarioInputs) => ops.federatedRead(i.endpoints.gateway, i.pairs, i.callers);
  const staff = (i: ScenarioInputs) => ops.staffRead(i.endpoints.gateway, i.pairs, i.callers, i.provinceOf);
  const statistics = (i: ScenarioInputs) => ops.aidStatistics(i.endpoints.gateway, i.callers);
  const provinces = config.provinces;
  return [
    {
      key: 'federatedRead',
      group: 'page',
      label: 'member page via gateway (national + province)',
      concurrency: reads,
      phase: 'reads',
      operation: federated,
    },
    {
      key: 'directRead',
      group: 'page',
      label: 'same page, subgraphs directly (national, province)',
      concurrency: reads,
      phase: 'reads',
      operation: direct,
    },
    {
      key: 'federatedRead1',
      group: 'page1',
      label: 'member page via gateway, one caller',
      concurrency: 1,
      phase: 'reads',
      operation: federated,
    },
    {
      key: 'directRead1',
      group: 'page1',
      label: 'same page, subgraphs directly, one caller',
      concurrency: 1,
      phase: 'reads',
      operation: direct,
    },
    {
      key: 'fanOut',
      group: 'figures',
      label: 'figures of every province (fan-out to 3)',
      concurrency: reads,
      phase: 'reads',
      operation: fanOut,
    },
    {
      key: 'singleProvince',
      group: 'figures',
      label: 'figures of one province',
      concurrency: reads,
      phase: 'reads',
      operation: single,
    },
    {
      key: 'statistics',
      group: 'figures',
      label: 'R23 statistics, 12 months (dashboard page)',
      concurrency: reads,
      phase: 'reads',
      operation: statistics,
    },
    {
      key: 'fanOut1',
      group: 'figures1',
      label: 'figures of every province, one caller',
      concurrency: 1,
      phase: 'reads',
      operation: fanOut,
    },
    {
      key: 'singleProvince1',
      group: 'figures1',
      label: 'figures of one province, one caller',
      concurrency: 1,
      phase: 'reads',
      operation: single,
    },
    {
      key: 'statistics1',
      group: 'figures1',
      label: 'R23 statistics, 12 months, one caller',
      concurrency: 1,
      phase: 'reads',
      operation: statistics,
    },
    // R32: the same page read by the member (nothing recorded) and by their portal (every read recorded).
    {
      key: 'ownPage1',
      group: 'record1',
      label: 'member page read by the member, one caller',
      concurrency: 1,
      phase: 'reads',
      operation: own,
    },
    {
      key: 'staffPage1',
      group: 'record1',
      label: 'same page read by the portal (R32 recorded), one caller',
      concurrency: 1,
      phase: 'reads',
      operation: staff,
    },
    {
      key: 'ownPage',
      group: 'record',
      label: 'member page read by the member',
      concurrency: reads,
      phase: 'reads',
      operation: own,
    },
    {
      key: 'staffPage',
      group: 'record',
      label: 'same page read by the portal (R32 recorded)',
      concurrency: reads,
      phase: 'reads',
      operation: staff,
    },
    // A portal's lists beside its one-member read, at one caller (issue 14).
    {
      key: 'portalMember1',
      group: 'portal1',
      label: 'one member read by the portal, one caller',
      concurrency: 1,
      phase: 'reads',
      operation: (i) => ops.portalMember(i.endpoints.gateway, i.pairs, i.callers, i.provinceOf),
    },
    {
      key: 'memberSearch1',
      group: 'portal1',
      label: 'name-prefix search, a page of 20, one caller',
      concurrency: 1,
      phase: 'reads',
      operation: (i) => ops.memberSearch(i.endpoints.gateway, provinces, i.callers),
    },
    {
      key: 'settlementPage1',
      group: 'portal1',
      label: 'settlements of a province, a page of 20, one caller',
      concurrency: 1,
      phase: 'reads',
      operation: (i) => ops.settlementPage(i.endpoints.gateway, provinces, i.callers),
    },
    {
      key: 'costliestFanOut',
      group: 'costliest',
      label: 'most aliases of the figures fan-out that pass the limits',
      concurrency: 4,
      phase: 'reads',
      operation: (i) => ops.costliestFanOut(i.endpoints.gateway, i.callers),
    },
    {
      key: 'costliestPages',
      group: 'costliest',
      label: "most aliases of a portal's member page that pass the limits",
      concurrency: 4,
      phase: 'reads',
      operation: (i) => ops.costliestPages(i.endpoints.gateway, i.pairs, i.callers, i.provinceOf),
    },
    {
      key: 'unroutedOurs',
      group: 'peers',
      label: 'national-only query: our gateway',
      concurrency: reads,
      phase: 'peers',
      operation: (i) => ops.unrouted(i.endpoints.gateway, i.pairs, i.callers),
    },
    {
      key: 'unroutedApollo',
      group: 'peers',
      label: 'national-only query: plain @apollo/gateway',
      concurrency: reads,
      phase: 'peers',
      operation: (i) => ops.unrouted(need(i.endpoints.apolloGateway, '@apollo/gateway'), i.pairs, i.callers),
    },
    {
      key: 'unroutedHive',
      group: 'peers',
      label: 'national-only query: Hive Gateway',
      concurrency: reads,
      phase: 'peers',
      operation: (i) => ops.unrouted(need(i.endpoints.hiveGateway, 'Hive Gateway'), i.pairs, i.callers),
    },
    {
      key: 'transfers',
      group: 'transfers',
      label: 'transferQuota, cross-province',
      concurrency: writes,
      phase: 'writes',
      operation: (i) => ops.transfers(i.endpoints.gateway, i.pairs, i.callers),
    },
    {
      key: 'settlements',
      group: 'settlements',
      label: 'settleExpense paid from quota',
      concurrency: writes,
      phase: 'writes',
      operation: (i) => ops.settlements(i.endpoints.gateway, i.pairs, i.callers),
    },
  ];
}

/** Measured on their own, after the scenarios: the commit floor, wallet events (wallet-events.ts), the telemetry cost (telemetry-cost.ts: every service restarted per mode) and the cryptography suites (crypto-cost.ts: a second cluster in the gm suite). */
const APART = ['walletEvents', 'floor', 'telemetry', 'crypto'];

/** BENCH_SCENARIOS=key,key runs only those (and the floor, wallet events, the telemetry or the cryptography cost only if named). */
export function selectedScenarios(config: BenchConfig): {
  scenarios: Scenario[];
  floor: boolean;
  walletEvents: boolean;
  telemetry: boolean;
  crypto: boolean;
} {
  const wanted = process.env.BENCH_SCENARIOS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const all = allScenarios(config);
  if (!wanted || wanted.length === 0)
    return { scenarios: all, floor: true, walletEvents: true, telemetry: true, crypto: true };
  const unknown = wanted.filter((key) => !APART.includes(key) && !all.some((s) => s.key === key));
  if (unknown.length > 0)
    throw new Error(
      `unknown scenarios ${unknown.join(', ')}; known: ${[...all.map((s) => s.key), ...APART].join(', ')}`,
    );
  return {
    scenarios: all.filter((s) => wanted.includes(s.key)),
    floor: wanted.includes('floor'),
    walletEvents: wanted.includes('walletEvents'),
    telemetry: wanted.includes('telemetry'),
    crypto: wanted.includes('crypto'),
  };
}
