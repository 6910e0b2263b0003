import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, type SigningIdentity } from '../subgraphs/common/auth/tokens';
import { internalClient } from '../subgraphs/common/internal-rpc';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './embedded-database';
import { credentialOf, deploymentKey, identityProvider, jwksFile, privateKeyFile, trustedKeys } from './keys';
import { type GraphClient, graphClient, tokenRequest, type Who } from './parties';
import { freePort, type ServiceProcess, startServiceProcess } from './service-process';

/** The whole platform on one machine: databases, provincial deployments, national, gateway. */
export interface ClusterOptions {
  provinces: string[];
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
  /** Tests: a key pair "test" that national trusts for its clock and recovery routes (with ADJUSTABLE_CLOCK). */
  testHarness?: boolean;
  /** How often services read the JWKS again (default 5 s). */
  jwksRefreshMs?: number;
  /** Extra environment of the national service (tests: ADJUSTABLE_CLOCK, RECOVERY_INTERVAL_MS). */
  nationalEnv?: Record<string, string>;
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
  /** The folder of the identity provider's and the deployments' keys. */
  keysDir: string;
  /** Starts (again) the deployment of a province, on the same port and database. */
  startProvince(code: string, extraEnv?: Record<string, string>): Promise<ServiceProcess>;
  /** Starts (again) national, on the same port and database. */
  startNational(extraEnv?: Record<string, string>): Promise<ServiceProcess>;
  /** Starts (again) the gateway, on the same port. */
  startGateway(extraEnv?: Record<string, string>): Promise<ServiceProcess>;
  /**
   * Sets the platform clock (every time rule reads national's clock). Only a test cluster (started
   * with `testHarness` and national's ADJUSTABLE_CLOCK=1) accepts it; the time set survives a restart of national.
   */
  setClock(time: Date): Promise<void>;
  /** A token for `who`, signed the way this cluster accepts. */
  token(who: Who): Promise<string>;
  /** GraphQL through the gateway as `who`. */
  as(who: Who): GraphClient;
  /** Runs one recovery round in national now, including the R25 return job; returns what it finished (test clusters). */
  recover(): Promise<Record<string, number>>;
  /** Tells the gateway that the cluster is ready (with healthWaitsForReady): its GET /health may now say ok. */
  markReady(): void;
  /** Stops every service running now, whatever was restarted, then the embedded database. */
  stop(): Promise<void>;
}

const DIST = join(__dirname, '..');
const SCRIPTS = {
  province: join(DIST, 'subgraphs', 'province', 'main.js'),
  national: join(DIST, 'subgraphs', 'national', 'main.js'),
  gateway: join(DIST, 'gateway', 'main.js'),
};

export const databaseName = (service: string) => (service === 'national' ? 'national' : `province_${service}`);

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const progress = options.onProgress ?? (() => undefined);
  const services = ['national', ...options.provinces];
  const given = options.databaseUrls ?? {};
  const embeddedNeeded = services.filter((s) => !given[s]);
  let embedded: EmbeddedDatabase | undefined;
  const running = new Map<string, ServiceProcess>(); // by "national", "gateway" or province code
  // Every process spawned and not yet exited, ready or not: a failed start stops them all.
  const launched = new Set<ServiceProcess>();
  const keysDir = options.keysDir ?? (options.ephemeral ? mkdtempSync(join(tmpdir(), 'wallet-keys-')) : `${options.dataDir}-keys`);
  const stopAll = async () => {
    await Promise.all([...launched].reverse().map((s) => s.stop()));
    await embedded?.stop();
    if (options.ephemeral && !options.keysDir) rmSync(keysDir, { recursive: true, force: true });
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
    const identity = await identityProvider(keysDir);
    const deployments = ['gateway', 'national', ...options.provinces.map((code) => `province-${code}`), ...(options.testHarness ? ['test'] : [])];
    for (const name of deployments) await deploymentKey(keysDir, name); // one after another: made once, never raced
    // Each service: the identity provider's public keys, its own private key, the public keys of the peers it trusts.
    const keysOf = async (name: string, peers: string[]): Promise<Record<string, string>> => ({
      JWKS_FILE: jwksFile(keysDir),
      JWKS_REFRESH_MS: String(options.jwksRefreshMs ?? 5000),
      SERVICE_KEY_FILE: privateKeyFile(keysDir, name),
      ...(peers.length ? { TRUSTED_SERVICE_KEYS: await trustedKeys(keysDir, peers) } : {}),
    });
    const port = async (offset: number) => (options.basePort ? options.basePort + offset : freePort());
    const provincePorts = new Map<string, number>();
    for (const [i, code] of options.provinces.entries()) provincePorts.set(code, await port(100 + i));
    const nationalPort = await port(1);
    const gatewayPort = options.gatewayPort || (await freePort());
    const provinceUrls = options.provinces.map((c) => `${c}=http://127.0.0.1:${provincePorts.get(c)}`).join(',');
    const provinces = new Map<string, ServiceProcess>();

    const start = async (key: string, service: Parameters<typeof startServiceProcess>[0]) => {
      await running.get(key)?.stop(); // a restart: the old process, if still there, goes first
      const started = await startServiceProcess({
        ...service,
        onOutput: options.onOutput,
        onSpawn: (spawned) => {
          launched.add(spawned);
          spawned.child.once('exit', () => launched.delete(spawned));
        },
      });
      running.set(key, started);
      return started;
    };
    const startProvince = async (code: string, extraEnv: Record<string, string> = {}) => {
      const service = await start(code, {
        name: `province ${code}`,
        script: SCRIPTS.province,
        port: provincePorts.get(code) as number,
        env: { PROVINCE: code, DATABASE_URL: databaseUrls[code], ...(await keysOf(`province-${code}`, ['national', 'gateway'])), ...extraEnv },
      });
      provinces.set(code, service);
      return service;
    };
    let clockOffsetMs = 0;
    const startNational = async (extraEnv: Record<string, string> = {}) =>
      start('national', {
        name: 'national',
        script: SCRIPTS.national,
        port: nationalPort,
        env: {
          DATABASE_URL: databaseUrls.national,
          ...(await keysOf('national', options.testHarness ? ['gateway', 'test'] : ['gateway'])),
          PROVINCE_URLS: provinceUrls,
          CLOCK_OFFSET_MS: String(clockOffsetMs),
          ...options.nationalEnv,
          ...extraEnv,
        },
      });
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
    const token = (who: Who) => issueToken(identity, tokenRequest(who));
    // The test harness's own key: national trusts it for the clock and recovery routes of a test cluster only.
    const harnessCredential = credentialOf(keysDir, 'test');
    const harness = () => internalClient(`http://127.0.0.1:${nationalPort}`, harnessCredential);
    let ready = false;
    const startGateway = async (extraEnv: Record<string, string> = {}) => {
      const gateway = await start('gateway', {
        name: 'gateway',
        script: SCRIPTS.gateway,
        port: gatewayPort,
        env: {
          NATIONAL_URL: `http://127.0.0.1:${nationalPort}/graphql`,
          ...(await keysOf('gateway', [])),
          PROVINCE_URLS: provinceUrls,
          HEALTH_CHECK_INTERVAL_MS: String(options.healthCheckIntervalMs ?? 10_000),
          ...(options.healthWaitsForReady ? { HEALTH_WAITS_FOR_LAUNCHER: '1' } : {}),
          ...extraEnv,
        },
      });
      if (ready) gateway.tell({ ready: true }); // a restarted gateway of a ready cluster
      return gateway;
    };

    progress(`starting provinces ${options.provinces.join(', ')}`);
    // Every start settles before a failure is reported, so that no province is left starting behind it.
    const provincesStarted = await Promise.allSettled(options.provinces.map((code) => startProvince(code)));
    const failed = provincesStarted.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    progress('starting national');
    await startNational();
    progress('starting gateway');
    await startGateway();
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
      startProvince,
      startNational,
      startGateway,
      async setClock(time) {
        ({ offsetMs: clockOffsetMs } = await harness().call<{ offsetMs: number }>('clock', { now: time.toISOString() }));
      },
      recover: () => harness().call('recover', {}),
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
