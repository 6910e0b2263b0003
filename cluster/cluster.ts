import { developmentCa, frontTls, tlsEnv } from './certificates';
import { trustInternalCa } from '../subgraphs/common/platform/http/transit-tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, type SigningIdentity } from '../subgraphs/common/platform/auth/tokens';
import { INTERNAL_PREFIX, internalClient } from '../subgraphs/common/platform/http/internal-rpc';
import {
  harnessOperations,
  type HarnessOperations,
  type InputOf,
  type OutputOf,
} from '../subgraphs/common/platform/http/internal-contract';
import { type ProvinceSelection, provincesOf } from '../subgraphs/common/domain/reference-data';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './embedded-database';
import type { CryptoSuite } from '../subgraphs/common/platform/crypto/suite';
import type { LinkControl } from './fault-proxy';
import { Links } from './links';
import { makeNamespaces, type Namespaces } from './namespaces';
import {
  credentialOf,
  deploymentKey,
  identityProvider,
  jwksFile,
  keyEncryptionKeyFile,
  privateKeyFile,
  suiteKeysDir,
  trustedKeys,
} from './keys';
import { type GraphClient, graphClient, tokenRequest, type Who } from './parties';
import { type RoundRobinFront, startRoundRobinFront } from './round-robin-front';
import { freePort, type ServiceProcess, startServiceProcess } from './service-process';

/** The whole platform on one machine: databases, provincial deployments, national, gateway. */
export interface ClusterOptions {
  /** GB/T 2260 province codes, each its own deployment and database, or 'all' 31. */
  provinces: ProvinceSelection;
  /** Embedded PostgreSQL data folder (used unless every database has a connection string). */
  dataDir: string;
  reset?: boolean;
  /** Throw-away data: the embedded database is deleted when the cluster stops. */
  ephemeral?: boolean;
  gatewayPort?: number; // 0 or absent: a free port
  /** Fixed ports for the services: national at base+1, provinces from base+100. Absent: free ports. */
  basePort?: number;
  postgresPort?: number;
  /** Settings of the embedded PostgreSQL server (`-c name=value`). */
  postgresSettings?: Record<string, string>;
  /** Connection strings that replace the embedded database, by "national" or province code. */
  databaseUrls?: Record<string, string>;
  healthCheckIntervalMs?: number;
  /**
   * How many copies (processes) of a service to run, by 'gateway', 'national' or province code
   * (default one). Several copies share the service's database and its one address: a round-robin
   * front on the service's port; each copy is then named 'national#1', 'national#2', ….
   */
  replicas?: Record<string, number>;
  /** Where the identity provider's and the deployments' keys are kept (made when absent). Default: beside dataDir, or a temporary folder when ephemeral. */
  keysDir?: string;
  /** The cryptography suite of every deployment (CRYPTO_SUITE; default international). Its keys are made in its own folder. */
  cryptoSuite?: CryptoSuite;
  /** HTTPS for every service and internal URL (the gateway's too), with a development CA and certificates made in keysDir/tls. With replicas, their round-robin fronts speak HTTPS too. */
  tls?: boolean;
  /** Tests: a key pair "test" that national trusts for its clock and recovery routes, and the provinces for their clocks. */
  testHarness?: boolean;
  /** Tests: every service's platform clock can be set (setClock, advanceClock); needs testHarness. */
  adjustableClock?: boolean;
  /** How often services read the JWKS again (default 5 s). */
  jwksRefreshMs?: number;
  /** Extra environment of the national service (tests: RECOVERY_INTERVAL_MS). */
  nationalEnv?: Record<string, string>;
  /** Extra environment of every service (e.g. OTEL_EXPORTER_OTLP_ENDPOINT to export traces). */
  serviceEnv?: Record<string, string>;
  /** The gateway's GET /health answers 503 "starting" until markReady() (npm start: once the demo is loaded). */
  healthWaitsForReady?: boolean;
  onProgress?: (line: string) => void;
  onOutput?: (service: string, line: string) => void;
  /** Every link between deployments and from each service to its database goes through a fault proxy (`link()`). Implied by latencyMs. */
  faultLinks?: boolean;
  /** Round-trip time added on every link between deployments (not to the databases), through fault proxies. */
  latencyMs?: number;
  /** Up to this much more, at random, on each direction of those links. */
  jitterMs?: number;
  /**
   * Each service (gateway, national, each province) in its own network namespace with its own
   * address, reached only through its links' fault proxies (implies faultLinks; see docs/network.md).
   * Needs root and `ip netns`: without them the start fails saying so. Not with replicas or tls.
   */
  namespaces?: boolean;
}

export interface Cluster {
  gatewayUrl: string;
  /** The services as they run now (a restart replaces the process, on the same port and database); with copies, the first copy. */
  readonly national: ServiceProcess;
  readonly gateway: ServiceProcess;
  provinces: Map<string, ServiceProcess>;
  /** The copies of a service ('national#1', 'national#2', …), or the service itself when it runs as one process. */
  copiesOf(service: string): string[];
  /** The process of one copy ('national#2') or of a service run as one process, as it runs now. */
  processOf(copy: string): ServiceProcess | undefined;
  databaseUrls: Record<string, string>;
  /** The identity provider's signing key (development: the cluster plays the identity provider). */
  identity: SigningIdentity;
  /** The folder of the identity provider's and the deployments' keys (of the cluster's suite). */
  keysDir: string;
  cryptoSuite: CryptoSuite;
  /**
   * Starts a service again, on the same port and database: 'national', 'gateway' or a province code
   * (every copy of it, one after another), or one copy ('national#1'). A running one is stopped
   * first. `env` is extra environment for this run only (e.g. CRASH_AT).
   */
  restart(service: string, env?: Record<string, string>): Promise<ServiceProcess>;
  /** Stops a service (all its copies) or one copy gracefully (SIGTERM); `restart` brings it back. */
  stopService(service: string): Promise<void>;
  /** Kills a service (all its copies) or one copy ('national#1') at once (SIGKILL), as a crash would; `restart` brings it back. */
  kill(service: string): Promise<void>;
  /**
   * Sets the platform clock (every time rule reads national's clock). Only a test cluster (started
   * with `testHarness` and `adjustableClock`, not in production) accepts it; the time
   * set goes on running, and survives a restart of national. Answers the platform's time.
   */
  setClock(time: Date): Promise<Date>;
  /** Moves the platform clock on by `ms` (test clusters only, as setClock). */
  advanceClock(ms: number): Promise<Date>;
  /** A token for `who`, signed the way this cluster accepts (valid `ttlSeconds`, default 8 hours). */
  token(who: Who, ttlSeconds?: number): Promise<string>;
  /** GraphQL through the gateway as `who`. */
  as(who: Who): GraphClient;
  /** Runs one recovery round in national now, including the R25 return job; returns what it finished (test clusters). */
  recover(): Promise<Record<string, number>>;
  /**
   * Runs recovery until nothing is left to finish (no PENDING operation, no province step unapplied,
   * no account moving), or fails after `timeoutMs` saying what is left (test clusters).
   */
  waitUntilQuiet(timeoutMs?: number): Promise<void>;
  /** R20 reconciliation of every province, as its portal sees it. */
  reconcile(): Promise<Record<string, Reconciliation>>;
  /**
   * The link from one deployment to another ('gateway' → 'national' or a province, 'national' → a
   * province) or from a service to its database (`link('32', 'db')`), to add latency, black-hole,
   * reset, cut one way and heal (clusters started with faultLinks or latencyMs; see docs/network.md).
   */
  link(from: string, to: string): LinkControl;
  /** Heals every link (the latency stays). */
  healAll(): void;
  /** The network namespace a service runs in (clusters started with namespaces), for `ip netns exec`. */
  namespaceOf(service: string): string | undefined;
  /** Tells the gateway that the cluster is ready (with healthWaitsForReady): its GET /health may now say ok. */
  markReady(): void;
  /** Stops every service running now, whatever was restarted, then the embedded database. */
  stop(): Promise<void>;
}

/** A province's R20 reconciliation, as the `reconciliation` query answers its portal. */
export interface Reconciliation {
  balanced: boolean;
  differences: string[];
  inFlightTransfers: number;
  unappliedSteps: number;
  inFlightMoves: number;
}

const RECONCILE = `query($p: ID!) { reconciliation(province: $p) { balanced differences inFlightTransfers unappliedSteps inFlightMoves } }`;

const DIST = join(__dirname, '..');
const SCRIPTS = {
  province: join(DIST, 'subgraphs', 'province', 'main.js'),
  national: join(DIST, 'subgraphs', 'national', 'main.js'),
  gateway: join(DIST, 'gateway', 'main.js'),
};

/**
 * Runs `start` for each item, at most `width` at a time (31 provinces started at once on two cores
 * would each take as long as all of them); after a failure no more are begun, and every start
 * begun settles before the failure is reported, so that none is left starting behind it.
 */
async function startEach<T>(items: readonly T[], width: number, start: (item: T) => Promise<unknown>): Promise<void> {
  const waiting = [...items];
  const failures: unknown[] = [];
  const lane = async () => {
    for (let item = waiting.shift(); item !== undefined && failures.length === 0; item = waiting.shift()) {
      await start(item).catch((error: unknown) => failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, waiting.length) }, lane));
  if (failures.length > 0) throw failures[0];
}

export const databaseName = (service: string) => (service === 'national' ? 'national' : `province_${service}`);

export async function startCluster(selected: ClusterOptions): Promise<Cluster> {
  const options = { ...selected, provinces: provincesOf(selected.provinces) };
  const progress = options.onProgress ?? (() => undefined);
  const services = ['national', ...options.provinces];
  const given = options.databaseUrls ?? {};
  const embeddedNeeded = services.filter((s) => !given[s]);
  let embedded: EmbeddedDatabase | undefined;
  const running = new Map<string, ServiceProcess>(); // by copy: "national", "gateway", a province code, or "national#2" …
  const fronts = new Map<string, RoundRobinFront>(); // by service run as several copies
  // By service run as several copies: the copy armed with a crash point of an internal operation takes its requests first.
  const armed = new Map<string, { path: string; copy: string }>();
  // Every process spawned and not yet exited, ready or not: a failed start stops them all.
  const launched = new Set<ServiceProcess>();
  const cryptoSuite = options.cryptoSuite ?? 'international';
  const allKeysDir =
    options.keysDir ?? (options.ephemeral ? mkdtempSync(join(tmpdir(), 'wallet-keys-')) : `${options.dataDir}-keys`);
  const keysDir = suiteKeysDir(allKeysDir, cryptoSuite);
  if (options.namespaces && (options.tls || Object.values(options.replicas ?? {}).some((n) => n > 1)))
    throw new Error('namespaces: a cluster in namespaces runs without replicas and without tls');
  const namespaces: Namespaces | undefined = options.namespaces ? makeNamespaces(['gateway', ...services]) : undefined;
  const links =
    options.faultLinks || options.latencyMs || namespaces
      ? new Links(options.latencyMs, options.jitterMs, namespaces?.rootAddressOf)
      : undefined;
  const stopAll = async () => {
    await Promise.all([...launched].reverse().map((s) => s.stop()));
    await links?.close();
    namespaces?.remove();
    await Promise.all([...fronts.values()].map((f) => f.close()));
    await embedded?.stop();
    if (options.ephemeral && !options.keysDir) rmSync(allKeysDir, { recursive: true, force: true });
  };
  try {
    if (embeddedNeeded.length > 0) {
      progress(`starting embedded PostgreSQL in ${options.dataDir}`);
      embedded = await startEmbeddedDatabase({
        dataDir: options.dataDir,
        port: options.postgresPort || (await freePort()),
        databases: embeddedNeeded.map(databaseName),
        reset: options.reset,
        persistent: !options.ephemeral,
        settings: options.postgresSettings,
      });
    }
    const databaseUrls = Object.fromEntries(
      services.map((s) => [s, given[s] ?? (embedded as EmbeddedDatabase).urlOf(databaseName(s))]),
    );
    const identity = await identityProvider(keysDir, cryptoSuite);
    const harnessKey = options.testHarness ? ['test'] : [];
    const deployments = [
      'gateway',
      'national',
      ...options.provinces.map((code) => `province-${code}`),
      ...(options.testHarness ? ['test'] : []),
    ];
    for (const name of deployments) await deploymentKey(keysDir, name, cryptoSuite); // one after another: made once, never raced
    // Each service: the identity provider's public keys, its own private key, the public keys of the peers it trusts.
    // This process (the harness, the test's GraphQL clients) trusts the cluster's CA too.
    if (options.tls) trustInternalCa({ TLS_CA_FILE: developmentCa(keysDir) });
    const keysOf = async (name: string, peers: string[]): Promise<Record<string, string>> => ({
      ...(options.tls ? tlsEnv(keysDir, name) : { PLAIN_INTERNAL_HTTP: '1' }),
      CRYPTO_SUITE: cryptoSuite,
      JWKS_FILE: jwksFile(keysDir),
      JWKS_REFRESH_MS: String(options.jwksRefreshMs ?? 5000),
      SERVICE_KEY_FILE: privateKeyFile(keysDir, name),
      ...(name === 'gateway' ? {} : { PII_KEK_FILE: keyEncryptionKeyFile(keysDir, name) }),
      ...(peers.length ? { TRUSTED_SERVICE_KEYS: await trustedKeys(keysDir, peers) } : {}),
    });
    // Ports are fixed (basePort, gatewayPort) or free ones picked at a service's first start; a restart keeps its port.
    const fixedPort = (key: string): number | undefined => {
      if (key.includes('#')) return undefined; // a copy behind its service's front
      if (key === 'gateway') return options.gatewayPort || undefined;
      if (!options.basePort) return undefined;
      return options.basePort + (key === 'national' ? 1 : 100 + options.provinces.indexOf(key));
    };
    const ports = new Map<string, number>();
    const hostOf = (key: string) => namespaces?.addressOf(key.split('#')[0]) ?? '127.0.0.1';
    const urlOf = (key: string) => `${options.tls ? 'https' : 'http'}://${hostOf(key)}:${ports.get(key)}`;
    /** The URL a service at `from` is given for `to`: through the link's fault proxy when there are links. */
    const urlFrom = async (from: string, to: string) => (links ? links.urlThrough(from, to, urlOf(to)) : urlOf(to));
    const databaseUrlOf = async (service: string) =>
      links ? links.urlThrough(service, 'db', databaseUrls[service]) : databaseUrls[service];
    const provinceUrls = async (from: string) =>
      (await Promise.all(options.provinces.map(async (c) => `${c}=${await urlFrom(from, c)}`))).join(',');
    const provinces = new Map<string, ServiceProcess>();

    const replicas = (service: string) => Math.max(1, Math.floor(options.replicas?.[service] ?? 1));
    const copiesOf = (service: string) =>
      replicas(service) === 1 ? [service] : Array.from({ length: replicas(service) }, (_, i) => `${service}#${i + 1}`);
    const serviceOf = (copy: string) => copy.split('#')[0];
    /** The deployment (its keys, its certificate) a service is: 'gateway', 'national' or 'province-<code>'. */
    const deploymentOf = (service: string) =>
      service === 'gateway' || service === 'national' ? service : `province-${service}`;
    const startFront = async (service: string) => {
      if (replicas(service) === 1 || fronts.has(service)) return;
      for (let attempt = 1; ; attempt++) {
        if (!ports.has(service)) ports.set(service, fixedPort(service) ?? (await freePort()));
        try {
          const steer = (path: string) =>
            armed.get(service)?.path === path ? ports.get(armed.get(service)?.copy ?? '') : undefined;
          fronts.set(
            service,
            await startRoundRobinFront(
              ports.get(service) as number,
              () => copiesOf(service).flatMap((c) => ports.get(c) ?? []),
              steer,
              options.tls ? frontTls(keysDir, deploymentOf(service)) : undefined,
            ),
          );
          return;
        } catch (error) {
          if (attempt >= 5 || fixedPort(service) !== undefined) throw error;
          ports.delete(service);
        }
      }
    };
    const start = async (key: string, service: Omit<Parameters<typeof startServiceProcess>[0], 'port'>) => {
      await running.get(key)?.stop(); // a restart: the old process, if still there, goes first
      const crashAt = service.env.CRASH_AT;
      if (crashAt && key.includes('#'))
        armed.set(serviceOf(key), { path: `${INTERNAL_PREFIX}${crashAt.split(':')[0]}`, copy: key });
      else if (armed.get(serviceOf(key))?.copy === key) armed.delete(serviceOf(key));
      for (let attempt = 1; ; attempt++) {
        const firstStart = !ports.has(key);
        if (firstStart) ports.set(key, fixedPort(key) ?? (await freePort()));
        try {
          const started = await startServiceProcess({
            ...service,
            env: namespaces ? { ...service.env, HOST: hostOf(key) } : service.env, // its own address only, in its namespace
            port: ports.get(key) as number,
            https: options.tls,
            namespace: namespaces?.nameOf(serviceOf(key)),
            host: hostOf(key),
            onOutput: options.onOutput,
            onSpawn: (spawned) => {
              launched.add(spawned);
              spawned.child.once('exit', () => launched.delete(spawned));
            },
          });
          running.set(key, started);
          return started;
        } catch (error) {
          // A free port picked by another process in the meantime: pick another (a fixed port is not ours to change).
          const taken = /EADDRINUSE/.test((error as Error).message);
          if (!taken || attempt >= 5 || fixedPort(key) !== undefined || !firstStart) throw error;
          ports.delete(key);
        }
      }
    };
    const startProvince = async (copy: string, extraEnv: Record<string, string> = {}) => {
      const code = serviceOf(copy);
      const service = await start(copy, {
        name: `province ${copy}`,
        script: SCRIPTS.province,
        env: {
          PROVINCE: code,
          DATABASE_URL: await databaseUrlOf(code),
          ...(await keysOf(`province-${code}`, ['national', 'gateway', ...harnessKey])),
          ...clockEnv(),
          ...options.serviceEnv,
          ...extraEnv,
        },
      });
      if (copy === copiesOf(code)[0]) provinces.set(code, service);
      return service;
    };
    let clockOffsetMs = 0; // a restarted service goes on from the platform time set
    const clockEnv = (): Record<string, string> =>
      options.adjustableClock ? { ADJUSTABLE_CLOCK: '1', CLOCK_OFFSET_MS: String(clockOffsetMs) } : {};
    const startNational = async (copy: string, extraEnv: Record<string, string> = {}) =>
      start(copy, {
        name: copy,
        script: SCRIPTS.national,
        env: {
          DATABASE_URL: await databaseUrlOf('national'),
          ...(await keysOf('national', ['gateway', ...harnessKey])),
          PROVINCE_URLS: await provinceUrls('national'),
          ...clockEnv(),
          ...options.serviceEnv,
          ...options.nationalEnv,
          ...extraEnv,
        },
      });
    const token = (who: Who, ttlSeconds?: number) => issueToken(identity, { ...tokenRequest(who), ttlSeconds });
    // The test harness's own key: national trusts it for the clock and recovery routes of a test cluster only.
    const harnessCredential = credentialOf(keysDir, 'test');
    const harness = async <N extends keyof HarnessOperations & string>(
      operation: N,
      input: InputOf<HarnessOperations, N>,
      copy = 'national',
    ): Promise<OutputOf<HarnessOperations, N>> => {
      if (!options.testHarness)
        throw new Error(
          `${operation}: this cluster was not started for tests (testHarness), so nothing drives it from outside`,
        );
      try {
        return await internalClient(urlOf(copy), harnessOperations, harnessCredential).call(operation, input);
      } catch (error) {
        throw new Error(
          `${operation}: ${copy} refused it (${(error as Error).message}); only a test cluster outside production accepts it`,
        );
      }
    };
    // National's clock first; every province then takes the time national answered, so all record on one clock.
    const moveClock = async (input: { now?: string; advanceMs?: number }) => {
      const [first, ...others] = copiesOf('national');
      const answer = await harness('clock', input, first);
      clockOffsetMs = answer.offsetMs;
      // Every other copy of national, and every copy of every province, keeps the same time.
      const rest = [...others, ...[...provinces.keys()].flatMap((code) => copiesOf(code))];
      await Promise.all(rest.map((copy) => harness('clock', { offsetMs: clockOffsetMs }, copy)));
      return new Date(answer.now);
    };
    let ready = false;
    const startGateway = async (copy: string, extraEnv: Record<string, string> = {}) => {
      const gateway = await start(copy, {
        name: copy,
        script: SCRIPTS.gateway,
        env: {
          NATIONAL_URL: `${await urlFrom('gateway', 'national')}/graphql`,
          // The walletEvents subscription reads national's events there (from a namespace, through a link).
          NATIONAL_DATABASE_URL:
            links && namespaces
              ? await links.urlThrough('gateway', 'db', databaseUrls.national)
              : databaseUrls.national,
          ...(await keysOf('gateway', [])),
          PROVINCE_URLS: await provinceUrls('gateway'),
          HEALTH_CHECK_INTERVAL_MS: String(options.healthCheckIntervalMs ?? 10_000),
          ...options.serviceEnv,
          ...(options.healthWaitsForReady ? { HEALTH_WAITS_FOR_LAUNCHER: '1' } : {}),
          ...extraEnv,
        },
      });
      if (ready) gateway.tell({ ready: true }); // a restarted gateway of a ready cluster
      return gateway;
    };

    const launcherOf = (service: string) => {
      if (service === 'national') return startNational;
      if (service === 'gateway') return startGateway;
      if (options.provinces.includes(service)) return startProvince;
      throw new Error(
        `there is no service "${service}": 'national', 'gateway' or one of ${options.provinces.join(', ')}, or a copy of one ('national#1')`,
      );
    };
    /** The copies a target names: one copy ('national#2'), or every copy of a service. */
    const targetsOf = (target: string) => {
      const copies = copiesOf(serviceOf(target));
      launcherOf(serviceOf(target));
      if (target.includes('#') && !copies.includes(target))
        throw new Error(`there is no copy "${target}": ${copies.join(', ')}`);
      return target.includes('#') ? [target] : copies;
    };
    const restart = async (target: string, env: Record<string, string> = {}): Promise<ServiceProcess> => {
      let started: ServiceProcess | undefined;
      for (const copy of targetsOf(target)) started = await launcherOf(serviceOf(copy))(copy, env);
      return started as ServiceProcess;
    };
    const startService = async (service: string) => {
      await startFront(service);
      await Promise.all(copiesOf(service).map((copy) => launcherOf(service)(copy)));
    };

    progress(`starting provinces ${options.provinces.join(', ')}`);
    await startEach(options.provinces, Math.max(2, availableParallelism()) * 2, startService);
    progress('starting national');
    await startService('national');
    progress('starting gateway');
    await startService('gateway');
    const gatewayUrl = `${urlOf('gateway')}/graphql`;
    return {
      gatewayUrl,
      get national() {
        return running.get(copiesOf('national')[0]) as ServiceProcess;
      },
      get gateway() {
        return running.get(copiesOf('gateway')[0]) as ServiceProcess;
      },
      copiesOf,
      processOf: (copy) => running.get(copy),
      provinces,
      databaseUrls,
      identity,
      keysDir,
      cryptoSuite,
      restart: (service, env) => restart(service, env),
      stopService: async (target) => {
        await Promise.all(targetsOf(target).map((copy) => running.get(copy)?.stop()));
      },
      kill: async (target) => {
        await Promise.all(targetsOf(target).map((copy) => running.get(copy)?.kill()));
      },
      setClock: (time) => moveClock({ now: time.toISOString() }),
      advanceClock: (ms) => moveClock({ advanceMs: ms }),
      recover: () => harness('recover', {}),
      async waitUntilQuiet(timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          await harness('recover', {});
          const backlog = await harness('recoveryBacklog', {});
          if (Object.values(backlog).every((n) => n === 0)) return;
          if (Date.now() > deadline)
            throw new Error(`recovery is not quiet after ${timeoutMs} ms: ${JSON.stringify(backlog)}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
      async reconcile() {
        const reports: Record<string, Reconciliation> = {};
        for (const code of options.provinces) {
          reports[code] = (
            await graphClient(gatewayUrl, () => token({ portal: code })).ok(RECONCILE, { p: code })
          ).reconciliation;
        }
        return reports;
      },
      link(from, to) {
        if (!links)
          throw new Error(
            'this cluster runs without fault proxies: start it with faultLinks (or latencyMs) to break its links',
          );
        return links.link(from, to);
      },
      healAll: () => links?.all().forEach((link) => link.heal()),
      namespaceOf: (service) => namespaces?.nameOf(service),
      markReady() {
        ready = true;
        for (const copy of copiesOf('gateway')) running.get(copy)?.tell({ ready: true });
      },
      token,
      as: (who) => graphClient(gatewayUrl, () => token(who)),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
