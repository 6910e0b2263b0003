import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cluster } from '../testing';
import type { BenchConfig } from './config';
import { cpuTimes, withOthers } from './cpu-usage';
import { runLoad, summarize, type LoadRun, type Operation } from './load';
import type { Watched } from './measure';
import { postmasterPid } from './proc';
import { platformCpuMs, type ScenarioResult } from './report';
import { addDifference, perOperation } from './tally';

/** Operations each mode runs unmeasured after its restart (JIT, plans, pools), whatever its speed. */
const WARMUP_OPERATIONS = 300;
/** A warm-up that has not done its operations by then ends anyway. */
const WARMUP_MAX_SECONDS = 60;

/**
 * What seeing inside costs: the member page through the gateway (national, a province, their SQL)
 * at the read concurrency, with every service restarted in each telemetry mode in turn. `off` has
 * neither metrics nor the tracing SDK (OTEL_SDK_DISABLED: no trace ids made or passed on);
 * `metrics` is the default (Prometheus metrics, trace ids made and passed on, no span recorded); the traced
 * modes add OpenTelemetry with every span exported over OTLP/HTTP to a sink in the benchmark
 * process that reads and drops them (a collector's work is not the services' cost).
 *
 * On a machine shared with other work throughput says little, so the cost is read from the
 * platform's CPU per operation (its processes and PostgreSQL, from /proc): a CPU-bound platform's
 * throughput goes as its inverse. The modes run in `telemetryRounds` rounds, each mode restarted
 * and warmed up by the same number of operations (not seconds: a slower mode would warm up less),
 * their order rotated from round to round; each round compares every mode with `off` of the same
 * round, and the cost is the mean of those rounds with its 95% confidence interval.
 */
export const TELEMETRY_MODES = [
  {
    key: 'telemetryOff',
    label: 'member page, telemetry off (no metrics, no tracing SDK)',
    env: { METRICS: 'off', OTEL_SDK_DISABLED: 'true' },
  },
  { key: 'telemetryMetrics', label: 'member page, metrics only (the default)', env: {} },
  {
    key: 'traced10',
    label: 'member page, metrics + traces sampled at 10%',
    env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  },
  {
    key: 'traced100',
    label: 'member page, metrics + every request traced',
    env: { OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
  },
] as const;

export async function measureTelemetryCost(
  cluster: Cluster,
  operation: Operation,
  config: BenchConfig,
  watched: Watched,
  log: (line: string) => void,
): Promise<Record<string, ScenarioResult>> {
  const sink = await startSpanSink();
  const runs = new Map<string, LoadRun[]>(TELEMETRY_MODES.map((m) => [m.key, []]));
  const cpuMs = new Map<string, Map<string, number>>(TELEMETRY_MODES.map((m) => [m.key, new Map()]));
  const perRound = new Map<string, number[]>(TELEMETRY_MODES.map((m) => [m.key, []]));
  const cpuNow = () => cpuTimes(watched.processes, postmasterPid(watched.dataDir));
  const concurrency = config.readConcurrency;
  try {
    for (let round = 0; round < config.telemetryRounds; round++) {
      const order = TELEMETRY_MODES.map((_, i) => TELEMETRY_MODES[(i + round) % TELEMETRY_MODES.length]);
      for (const mode of order) {
        const traced = mode.key.startsWith('traced');
        await restartAll(cluster, traced ? { ...mode.env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : mode.env, watched);
        await runLoad({ concurrency, seconds: WARMUP_MAX_SECONDS, operations: WARMUP_OPERATIONS, operation });
        const bytesBefore = sink.bytes();
        const cpuBefore = cpuNow();
        const run = await runLoad({ concurrency, seconds: config.seconds, operation });
        const spent = new Map<string, number>();
        addDifference(spent, cpuBefore, cpuNow());
        addDifference(cpuMs.get(mode.key) as Map<string, number>, new Map(), spent);
        const each = perOperation(withOthers(spent), run.latenciesMs.length, 0, 4);
        const platform = platformCpuMs({ label: mode.label, ...summarize([run]), cpuMsPerOperation: each });
        // Other work on the machine slows the platform's own CPU (shared caches, cores): a busy round is less sure.
        const busy = (each.other ?? 0) + (each.stolen ?? 0);
        (perRound.get(mode.key) as number[]).push(platform);
        (runs.get(mode.key) as LoadRun[]).push(run);
        log(
          `  ${mode.key} round ${round + 1}: ${(run.latenciesMs.length / run.seconds).toFixed(1)} ops/s, platform CPU ${platform.toFixed(2)} ms per operation (rest of the machine ${busy.toFixed(1)})` +
            (traced ? `, ${Math.round((sink.bytes() - bytesBefore) / 1024)} KiB of spans exported` : ''),
        );
      }
    }
  } finally {
    await restartAll(cluster, {}, watched); // back to the default: metrics, no tracing
    await sink.close();
  }
  return Object.fromEntries(
    TELEMETRY_MODES.map((mode) => {
      const stats = summarize(runs.get(mode.key) as LoadRun[]);
      const cpuMsPerOperation = perOperation(
        withOthers(cpuMs.get(mode.key) as Map<string, number>),
        stats.operations,
        0.01,
        2,
      );
      return [
        mode.key,
        { label: mode.label, ...stats, cpuMsPerOperation, platformCpuMsPerRound: perRound.get(mode.key) },
      ];
    }),
  );
}

/** Every service restarted on its port and database with `env`: the provinces together, national, then the gateway. */
async function restartAll(cluster: Cluster, env: Record<string, string>, watched: Watched): Promise<void> {
  const restart = async (service: string) => {
    const restarted = await cluster.restart(service, env);
    watched.processes.set(restarted.name, restarted.child.pid ?? 0);
  };
  await Promise.all([...cluster.provinces.keys()].map(restart));
  await restart('national');
  await restart('gateway');
}

/** An OTLP/HTTP endpoint that reads every export and answers 200; counts the bytes it received. */
async function startSpanSink(): Promise<{ url: string; bytes: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server: Server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
