import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, type SigningIdentity } from '../subgraphs/common/auth/tokens';
import { internalClient } from '../subgraphs/common/internal-rpc';
import { type ProvinceSelection, provincesOf } from '../subgraphs/common/reference-data';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './embedded-database';
import type { CryptoSuite } from '../subgraphs/common/crypto/suite';
import { credentialOf, deploymentKey, identityProvider, jwksFile, keyEncryptionKeyFile, privateKeyFile, suiteKeysDir, trustedKeys } from './keys';
import { type GraphClient, graphClient, tokenRequest, type Who } from './parties';
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
  /** Connection strings that replace the embedded database, by "national" or province code. */
  databaseUrls?: Record<string, string>;
  healthCheckIntervalMs?: number;
  /** Where the identity provider's and the deployments' keys are kept (made when absent). Default: beside dataDir, or a temporary folder when ephemeral. */
  keysDir?: string;
  /** The cryptography suite of every deployment (CRYPTO_SUITE; default international). Its keys are made in its own folder. */
  cryptoSuite?: CryptoSuite;
  /** Tests: a key pair "test" that national trusts for its clock and recovery routes (with ADJUSTABLE_CLOCK). */
  testHarness?: boolean;
  /** How often services read the JWKS again (default 5 s). */
  jwksRefreshMs?: number;
  /** Extra environment of the national service (tests: ADJUSTABLE_CLOCK, RECOVERY_INTERVAL_MS). */
  nationalEnv?: Record<string, string>;
  /** Extra environment of every service (e.g. OTEL_EXPORTER_OTLP_ENDPOINT to export traces). */
  serviceEnv?: Record<string, string>;
  /** The gateway's GET /health answers 503 "starting" until markReady() (npm start: once the demo is loaded). */
  healthWaitsForReady?: boolean;
  onProgress?: (line: string) => void;
  onOutput?: (service: string, line: string) => void;
}

export interface Cluster {
  gatewayUrl: string;
  /** The services as they run now (a restart replaces the process, on the same port and database). */
  readonly national: ServiceProcess;
  readonly gateway: ServiceProcess;
  provinces: Map<string, ServiceProcess>;
  databaseUrls: Record<string, string>;
  /** The identity provider's signing key (development: the cluster plays the identity provider). */
  identity: SigningIdentity;
  /** The folder of the identity provider's and the deployments' keys (of the cluster's suite). */
  keysDir: string;
  cryptoSuite: CryptoSuite;
  /**
   * Starts a service again, on the same port and database: 'national', 'gateway' or a province code.
   * A running one is stopped first. `env` is extra environment for this run only (e.g. CRASH_AT).
   */
  restart(service: string, env?: Record<string, string>): Promise<ServiceProcess>;
  /** Stops a service gracefully (SIGTERM); `restart` brings it back. */
  stopService(service: string): Promise<void>;
  /** Kills a service at once (SIGKILL), as a crash would; `restart` brings it back. */
  kill(service: string): Promise<void>;
  /**
   * Sets the platform clock (every time rule reads national's clock). Only a test cluster (started
   * with `testHarness` and national's ADJUSTABLE_CLOCK=1, not in production) accepts it; the time
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
  const running = new Map<string, ServiceProcess>(); // by "national", "gateway" or province code
  // Every process spawned and not yet exited, ready or not: a failed start stops them all.
  const launched = new Set<ServiceProcess>();
  const cryptoSuite = options.cryptoSuite ?? 'international';
  const allKeysDir = options.keysDir ?? (options.ephemeral ? mkdtempSync(join(tmpdir(), 'wallet-keys-')) : `${options.dataDir}-keys`);
  const keysDir = suiteKeysDir(allKeysDir, cryptoSuite);
  const stopAll = async () => {
    await Promise.all([...launched].reverse().map((s) => s.stop()));
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
      });
    }
    const databaseUrls = Object.fromEntries(
      services.map((s) => [s, given[s] ?? (embedded as EmbeddedDatabase).urlOf(databaseName(s))]),
    );
    const identity = await identityProvider(keysDir, cryptoSuite);
    const deployments = ['gateway', 'national', ...options.provinces.map((code) => `province-${code}`), ...(options.testHarness ? ['test'] : [])];
    for (const name of deployments) await deploymentKey(keysDir, name, cryptoSuite); // one after another: made once, never raced
    // Each service: the identity provider's public keys, its own private key, the public keys of the peers it trusts.
    const keysOf = async (name: string, peers: string[]): Promise<Record<string, string>> => ({
      CRYPTO_SUITE: cryptoSuite,
      JWKS_FILE: jwksFile(keysDir),
      JWKS_REFRESH_MS: String(options.jwksRefreshMs ?? 5000),
      SERVICE_KEY_FILE: privateKeyFile(keysDir, name),
      ...(name === 'gateway' ? {} : { PII_KEK_FILE: keyEncryptionKeyFile(keysDir, name) }),
      ...(peers.length ? { TRUSTED_SERVICE_KEYS: await trustedKeys(keysDir, peers) } : {}),
    });
    // Ports are fixed (basePort, gatewayPort) or free ones picked at a service's first start; a restart keeps its port.
    const fixedPort = (key: string): number | undefined => {
      if (key === 'gateway') return options.gatewayPort || undefined;
      if (!options.basePort) return undefined;
      return options.basePort + (key === 'national' ? 1 : 100 + options.provinces.indexOf(key));
    };
    const ports = new Map<string, number>();
    const urlOf = (key: string) => `http://127.0.0.1:${ports.get(key)}`;
    const provinceUrls = () => options.provinces.map((c) => `${c}=${urlOf(c)}`).join(',');
    const provinces = new Map<string, ServiceProcess>();

    const start = async (key: string, service: Omit<Parameters<typeof startServiceProcess>[0], 'port'>) => {
      await running.get(key)?.stop(); // a restart: the old process, if still there, goes first
      for (let attempt = 1; ; attempt++) {
        const firstStart = !ports.has(key);
        if (firstStart) ports.set(key, fixedPort(key) ?? (await freePort()));
        try {
          const started = await startServiceProcess({
            ...service,
            port: ports.get(key) as number,
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
    const startProvince = async (code: string, extraEnv: Record<string, string> = {}) => {
      const service = await start(code, {
        name: `province ${code}`,
        script: SCRIPTS.province,
        env: {
          PROVINCE: code, DATABASE_URL: databaseUrls[code], ...(await keysOf(`province-${code}`, ['national', 'gateway'])), ...options.serviceEnv, ...extraEnv,
        },
      });
      provinces.set(code, service);
      return service;
    };
    let clockOffsetMs = 0;
    const startNational = async (extraEnv: Record<string, string> = {}) =>
      start('national', {
        name: 'national',
        script: SCRIPTS.national,
        env: {
          DATABASE_URL: databaseUrls.national,
          ...(await keysOf('national', options.testHarness ? ['gateway', 'test'] : ['gateway'])),
          PROVINCE_URLS: provinceUrls(),
          CLOCK_OFFSET_MS: String(clockOffsetMs),
          ...options.serviceEnv,
          ...options.nationalEnv,
          ...extraEnv,
        },
      });
    const token = (who: Who, ttlSeconds?: number) => issueToken(identity, { ...tokenRequest(who), ttlSeconds });
    // The test harness's own key: national trusts it for the clock and recovery routes of a test cluster only.
    const harnessCredential = credentialOf(keysDir, 'test');
    const harness = async <Out>(operation: string, input: unknown = {}): Promise<Out> => {
      if (!options.testHarness) throw new Error(`${operation}: this cluster was not started for tests (testHarness), so nothing drives it from outside`);
      try {
        return await internalClient(urlOf('national'), harnessCredential).call<Out>(operation, input);
      } catch (error) {
        throw new Error(`${operation}: national refused it (${(error as Error).message}); only a test cluster outside production accepts it`);
      }
    };
    const moveClock = async (input: { now?: string; advanceMs?: number }) => {
      const answer = await harness<{ now: string; offsetMs: number }>('clock', input);
      clockOffsetMs = answer.offsetMs; // a restarted national goes on from here
      return new Date(answer.now);
    };
    let ready = false;
    const startGateway = async (extraEnv: Record<string, string> = {}) => {
      const gateway = await start('gateway', {
        name: 'gateway',
        script: SCRIPTS.gateway,
        env: {
          NATIONAL_URL: `${urlOf('national')}/graphql`,
          NATIONAL_DATABASE_URL: databaseUrls.national, // the walletEvents subscription reads national's events there
          ...(await keysOf('gateway', [])),
          PROVINCE_URLS: provinceUrls(),
          HEALTH_CHECK_INTERVAL_MS: String(options.healthCheckIntervalMs ?? 10_000),
          ...options.serviceEnv,
          ...(options.healthWaitsForReady ? { HEALTH_WAITS_FOR_LAUNCHER: '1' } : {}),
          ...extraEnv,
        },
      });
      if (ready) gateway.tell({ ready: true }); // a restarted gateway of a ready cluster
      return gateway;
    };

    const restart = async (service: string, env: Record<string, string> = {}): Promise<ServiceProcess> => {
      if (service === 'national') return startNational(env);
      if (service === 'gateway') return startGateway(env);
      if (options.provinces.includes(service)) return startProvince(service, env);
      throw new Error(`there is no service "${service}": 'national', 'gateway' or one of ${options.provinces.join(', ')}`);
    };

    progress(`starting provinces ${options.provinces.join(', ')}`);
    await startEach(options.provinces, Math.max(2, availableParallelism()) * 2, (code) => startProvince(code));
    progress('starting national');
    await startNational();
    progress('starting gateway');
    await startGateway();
    const gatewayUrl = `${urlOf('gateway')}/graphql`;
    return {
      gatewayUrl,
      get national() {
        return running.get('national') as ServiceProcess;
      },
      get gateway() {
        return running.get('gateway') as ServiceProcess;
      },
      provinces,
      databaseUrls,
      identity,
      keysDir,
      cryptoSuite,
      restart: (service, env) => restart(service, env),
      stopService: async (service) => running.get(service)?.stop(),
      kill: async (service) => running.get(service)?.kill(),
      setClock: (time) => moveClock({ now: time.toISOString() }),
      advanceClock: (ms) => moveClock({ advanceMs: ms }),
      recover: () => harness('recover'),
      async waitUntilQuiet(timeoutMs = 60_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          await harness('recover');
          const backlog = await harness<Record<string, number>>('recoveryBacklog');
          if (Object.values(backlog).every((n) => n === 0)) return;
          if (Date.now() > deadline) throw new Error(`recovery is not quiet after ${timeoutMs} ms: ${JSON.stringify(backlog)}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
      async reconcile() {
        const reports: Record<string, Reconciliation> = {};
        for (const code of options.provinces) {
          reports[code] = (await graphClient(gatewayUrl, () => token({ portal: code })).ok(RECONCILE, { p: code })).reconciliation;
        }
        return reports;
      },
      markReady() {
        ready = true;
        running.get('gateway')?.tell({ ready: true });
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
