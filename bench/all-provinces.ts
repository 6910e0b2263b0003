import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster } from '../testing';
import { provincesOf } from '../subgraphs/common/domain/reference-data';
import { signCallers } from './callers';
import type { BenchConfig } from './config';
import { GraphQLEndpoint } from './load';
import { measureGroup, type Watched } from './measure';
import { figuresOfAll, figuresOfOne } from './operations';
import { peakKiBOf, postmasterPid } from './proc';
import type { ScenarioResult } from './report';
import type { Scenario, ScenarioInputs } from './scenarios';

/** What a cluster of every province (31) costs on this machine: its start, its memory, its widest fan-out. */
export interface AllProvincesFigures {
  provinces: number;
  /** From the start of the embedded database to a gateway that answers with every province healthy. */
  readySeconds: number;
  /** Peak resident memory (VmHWM) of the 31 provincial deployments' processes, summed. */
  provincesResidentMiB: number;
  scenarios: Record<string, ScenarioResult>;
}

const SCENARIOS = (provinces: number): Scenario[] => [
  {
    key: 'fanOut31',
    group: 'all-provinces',
    label: `figures of every province (fan-out to ${provinces}), one caller`,
    concurrency: 1,
    phase: 'reads',
    operation: (i: ScenarioInputs) => figuresOfAll(i.endpoints.gateway, provinces, i.callers),
  },
  {
    key: 'singleProvince31',
    group: 'all-provinces',
    label: `figures of one province, ${provinces} running, one caller`,
    concurrency: 1,
    phase: 'reads',
    operation: (i: ScenarioInputs) => figuresOfOne(i.endpoints.gateway, i.callers),
  },
];

/**
 * Starts `--provinces all` on a throw-away embedded PostgreSQL (no data: the figures of an empty
 * province cost what a full one's do, they are kept rows), then measures the fan-out to every
 * province against one province at one caller, interleaved. Runs after the main cluster stopped.
 */
export async function measureAllProvinces(
  config: BenchConfig,
  log: (line: string) => void,
): Promise<AllProvincesFigures> {
  const codes = provincesOf('all');
  const dataDir = mkdtempSync(join(tmpdir(), 'wallet-bench-31-'));
  const started = Date.now();
  log(`starting every province (${codes.length}), national and the gateway`);
  const cluster = await startTestCluster({
    provinces: 'all',
    dataDir,
    deleteDataAtStop: true,
    healthCheckIntervalMs: 10_000,
  });
  const gateway = new GraphQLEndpoint(cluster.gatewayUrl, 4);
  try {
    const readySeconds = (Date.now() - started) / 1000;
    log(`ready in ${readySeconds.toFixed(1)} s`);
    const watched: Watched = { processes: new Map(), dataDir, statsUrl: cluster.databaseUrls.national };
    for (const service of [cluster.gateway, cluster.national, ...cluster.provinces.values()]) {
      watched.processes.set(service.name, service.child.pid ?? 0);
    }
    const inputs: ScenarioInputs = {
      endpoints: { gateway, national: gateway, provinces: new Map() }, // both scenarios ask the gateway only
      pairs: [],
      callers: await signCallers(cluster, [], []),
      provinceOf: () => '32',
      provinceCount: codes.length,
    };
    const scenarios = await measureGroup(SCENARIOS(codes.length), inputs, config, watched, log);
    const provinceKiB = [...cluster.provinces.values()].reduce((sum, s) => sum + (peakKiBOf(s.child.pid ?? 0) ?? 0), 0);
    if (postmasterPid(dataDir) === undefined) log('(the embedded PostgreSQL was not found: CPU figures leave it out)');
    return { provinces: codes.length, readySeconds, provincesResidentMiB: Math.round(provinceKiB / 1024), scenarios };
  } finally {
    await gateway.close();
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
