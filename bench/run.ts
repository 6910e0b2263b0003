import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, startTestCluster } from '../testing';
import { graphqlOk } from '../cluster/graphql-client';
import { provinceOfMemberId } from '../subgraphs/common/domain/routing-keys';
import { measureAllProvinces } from './all-provinces';
import { readAidPairs } from './bench-data';
import { type Callers, signCallers } from './callers';
import { readConfig } from './config';
import { measureCommitFloor } from './floor';
import { GraphQLEndpoint } from './load';
import { measureGroup, type Watched } from './measure';
import { MemorySampler } from './memory';
import { dashboardFirstLoad } from './page-size';
import { type Peers, startPeers, writeSupergraphWithUrls } from './peers/start-peers';
import { cpuTimes } from './cpu-usage';
import { postmasterPid } from './proc';
import { type BenchReport, formatReport, machine, ratiosAndTargets, type ScenarioResult, writeReport } from './report';
import { type Endpoints, type ScenarioInputs, selectedScenarios } from './scenarios';
import { checkSeed } from './seed-check';
import { waitUntilSealed } from './seed-sealed';
import { PILOT_REGION, seedShape } from './seed-people';
import { seedNational, seedProvince } from './seed';
import { SETTLEMENTS_PER_DONOR } from './seed-settlements';
import { measureTelemetryCost } from './telemetry-cost';
import { type CryptoFigures, measureCryptoCost } from './crypto-cost';
import { prepareStatements, statementSettings } from './statements';
import { lastTestRun } from './test-run';
import * as ops from './operations';
import { measureWalletEvents, type WalletEventsResult } from './wallet-events';

/**
 * `npm run bench`: a whole cluster on a throw-away embedded PostgreSQL, a bulk-loaded data set,
 * then each scenario warmed up and measured in turn (see bench/README.md).
 */
const config = readConfig(join(__dirname, '..', '..', 'bench', 'results'));
const begun = Date.now();
const loadAverageAtStart = loadavg()[0];
/** Lines that start a phase of the run, each with the gateway's own memory peak. */
const PHASE = /^(loading|measuring|telemetry cost|wallet events|cryptography suites)\b/;
let memorySampler: MemorySampler | undefined;
const log = (line: string) => {
  if (PHASE.test(line)) memorySampler?.phase(line);
  console.log(`[${((Date.now() - begun) / 1000).toFixed(1).padStart(6)} s] ${line}`);
};

/** R24 limits that let the benchmark run at any hour: no night window, 1,000 transfers a day. */
const POLICY = `mutation($input: TransferPolicyInput!) { setTransferPolicy(input: $input) { code } }`;

async function openTransferWindow(gatewayUrl: string, callers: Callers): Promise<void> {
  for (const [province, poolingRegion] of Object.entries(PILOT_REGION)) {
    await graphqlOk(
      gatewayUrl,
      POLICY,
      {
        input: {
          poolingRegion,
          dailyTransferLimit: 1000,
          transferAmountLimit: '2000.00',
          nightWindowStart: '00:00',
          nightWindowEnd: '00:00',
        },
      },
      callers.portal(province),
    );
  }
}

async function reconciles(gatewayUrl: string, callers: Callers): Promise<boolean> {
  const query = `query($p: ID!) { reconciliation(province: $p) { balanced } }`;
  for (const p of config.provinces) {
    const { reconciliation } = await graphqlOk<{ reconciliation: { balanced: boolean } }>(
      gatewayUrl,
      query,
      { p },
      callers.dashboard,
    );
    if (!reconciliation.balanced) return false;
  }
  return true;
}

const watched: Watched = { processes: new Map(), dataDir: '', statsUrl: '' };

async function stopPeers(peers: Peers): Promise<undefined> {
  await peers.stop();
  for (const peer of [peers.apolloGateway, peers.hiveGateway]) watched.processes.delete(peer.name);
  return undefined;
}

async function main(): Promise<void> {
  const {
    scenarios: selected,
    floor: withFloor,
    walletEvents: withWalletEvents,
    telemetry: withTelemetry,
    crypto: withCrypto,
  } = selectedScenarios(config);
  const workDir = mkdtempSync(join(tmpdir(), 'wallet-bench-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'wallet-bench-pg-')); // its own folder: initdb may run as another user
  const shape = seedShape(config.membersPerProvince);
  let cluster: Cluster | undefined;
  let peers: Peers | undefined;
  const opened: GraphQLEndpoint[] = [];
  const endpoint = (url: string, connections: number) => {
    const created = new GraphQLEndpoint(url, connections);
    opened.push(created);
    return created;
  };
  try {
    cluster = await startTestCluster({
      provinces: config.provinces,
      dataDir,
      deleteDataAtStop: true,
      healthCheckIntervalMs: 10_000,
      onProgress: log,
      postgresSettings: config.statementTracking === 'off' ? undefined : statementSettings(config.statementTracking),
    });
    const running = cluster;
    const statements = config.statementTracking !== 'off';
    if (statements) await prepareStatements(running.databaseUrls.national);
    Object.assign(watched, { dataDir, statsUrl: running.databaseUrls.national, statements });
    for (const service of [running.gateway, running.national, ...running.provinces.values()]) {
      watched.processes.set(service.name, service.child.pid ?? 0);
    }
    const sampler = new MemorySampler(
      () => watched.processes,
      () => postmasterPid(dataDir),
    );
    sampler.start();
    memorySampler = sampler;

    const seedStarted = Date.now();
    log(
      `loading ${shape.members} members per province (${shape.donors} donors aiding as many beneficiaries, ${shape.donors * SETTLEMENTS_PER_DONOR * config.provinces.length} past settlements)`,
    );
    await Promise.all([
      ...config.provinces.map((p) => seedProvince(running.databaseUrls[p], p, config.provinces, shape)),
      seedNational(running.databaseUrls.national, config.provinces, shape),
    ]);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    const pairs = await readAidPairs(running.databaseUrls.national);
    const callers = await signCallers(
      running,
      pairs.flatMap((p) => [p.donorId, p.beneficiaryId]),
      config.provinces,
    );
    await openTransferWindow(running.gatewayUrl, callers);
    await checkSeed(running.gatewayUrl, running.databaseUrls, config.provinces, shape, callers.dashboard);
    log('data loaded; every province reconciles');
    const sealSeconds = await waitUntilSealed(running.databaseUrls, config.provinces);
    log(`personal data of the bulk load sealed by the services in ${sealSeconds.toFixed(1)} s`);

    const connections = Math.max(config.readConcurrency, config.writeConcurrency);
    const endpoints: Endpoints = {
      gateway: endpoint(running.gatewayUrl, connections),
      national: endpoint(`${running.national.baseUrl}/graphql`, connections),
      provinces: new Map(
        [...running.provinces].map(([code, s]) => [code, endpoint(`${s.baseUrl}/graphql`, connections)]),
      ),
    };
    const inputs: ScenarioInputs = {
      endpoints,
      pairs,
      callers,
      provinceOf: (id) => provinceOfMemberId(id) as string,
      provinceCount: config.provinces.length,
    };

    const results: Record<string, ScenarioResult> = {};
    const groups = [...new Set(selected.map((s) => s.group))].map((g) => selected.filter((s) => s.group === g));
    for (const group of groups) {
      const scenario = group[0];
      if (scenario.phase === 'peers' && !peers) {
        const supergraph = writeSupergraphWithUrls(workDir, {
          national: `${running.national.baseUrl}/graphql`,
          province: `${running.provinces.get(config.provinces[0])?.baseUrl}/graphql`,
        });
        log('starting the peers (@apollo/gateway, Hive Gateway) on the supergraph with real URLs');
        peers = await startPeers(supergraph);
        for (const peer of [peers.apolloGateway, peers.hiveGateway])
          watched.processes.set(peer.name, peer.child.pid ?? 0);
        endpoints.apolloGateway = endpoint(`${peers.apolloGateway.baseUrl}/graphql`, connections);
        endpoints.hiveGateway = endpoint(`${peers.hiveGateway.baseUrl}/graphql`, connections);
      }
      if (scenario.phase !== 'peers' && peers) peers = await stopPeers(peers);
      Object.assign(results, await measureGroup(group, inputs, config, watched, log));
    }
    if (peers) peers = await stopPeers(peers);
    let walletEvents: WalletEventsResult | undefined;
    if (withWalletEvents) {
      log(
        `wallet events: ${config.walletEventSubscriptions} beneficiaries subscribed through the gateway, their donors transferring`,
      );
      walletEvents = await measureWalletEvents({
        streamUrl: `${running.gatewayUrl}/stream`,
        nationalDatabaseUrl: running.databaseUrls.national,
        gateway: endpoints.gateway,
        pairs,
        callers,
        subscriptions: config.walletEventSubscriptions,
        seconds: config.seconds,
        concurrency: config.writeConcurrency,
        cpuNow: () => cpuTimes(watched.processes, postmasterPid(watched.dataDir)),
        log,
      });
    }
    if (withFloor) {
      log(
        `PostgreSQL single-row UPDATE commits (floor): ${config.seconds} s at concurrency ${config.writeConcurrency}`,
      );
      const floor = await measureCommitFloor(running.databaseUrls.national, {
        concurrency: config.writeConcurrency,
        seconds: config.seconds,
        warmupSeconds: config.warmupSeconds,
      });
      results.floor = { label: 'PostgreSQL single-row UPDATE commits (floor)', ...floor };
    }
    if (withTelemetry) {
      log(
        `telemetry cost: the member page at concurrency ${config.readConcurrency}, every service restarted per mode, ${config.telemetryRounds} rounds`,
      );
      const page = ops.federatedRead(endpoints.gateway, pairs, callers);
      Object.assign(results, await measureTelemetryCost(running, page, config, watched, log));
    }
    let crypto: CryptoFigures | undefined;
    if (withCrypto) {
      log(`cryptography suites: member page, enrolment, search by ID number at one caller, ${config.rounds} rounds`);
      const side = { gateway: endpoints.gateway, pairs, callers, processes: () => watched.processes, dataDir };
      const measured = await measureCryptoCost(side, config, (url) => endpoint(url, 1), log);
      Object.assign(results, measured.scenarios);
      crypto = measured.figures;
    }

    const consistentAfterLoad = await reconciles(running.gatewayUrl, callers);
    const dashboardPage = await dashboardFirstLoad(running.gateway.baseUrl);
    const memory = sampler.stop();
    memorySampler = undefined;
    await Promise.all(opened.splice(0).map((e) => e.close()));
    await cluster.stop();
    cluster = undefined;
    const allProvinces = process.env.BENCH_ALL_PROVINCES === '0' ? undefined : await measureAllProvinces(config, log);
    const testRun = lastTestRun();
    const { ratios, targets } = ratiosAndTargets(results, { all: allProvinces, walletEvents, memory, testRun, crypto });
    const { resultsDir: _resultsDir, cpuProfileDir: _cpuProfileDir, ...shown } = config;
    const report: BenchReport = {
      finishedAt: new Date().toISOString(),
      machine: machine(loadAverageAtStart),
      config: { ...shown, seedSeconds },
      scenarios: results,
      ratios,
      targets,
      memory,
      gatewayPhases: sampler.phasePeaks(),
      consistentAfterLoad,
      dashboardFirstLoad: dashboardPage,
      walletEvents,
      allProvinces,
      crypto,
      testRun,
    };
    console.log(formatReport(report));
    log(`written to ${writeReport(config.resultsDir, report)}`);
  } finally {
    await Promise.all(opened.map((e) => e.close()));
    await peers?.stop();
    await cluster?.stop();
    for (const dir of [workDir, dataDir]) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
