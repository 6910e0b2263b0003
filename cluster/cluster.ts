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
  /** Extra environment of every service (e.g. OTEL_EXPORTER_OTLP_ENDPOINT to export traces). */
  serviceEnv?: Record<string, string>;
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
  const keysDir = options.keysDir ?? (options.ephemeral ? mkdtempSync(join(tmpdir(), 'wallet-keys-')) : `${options.dataDir}-keys`);
  const stopAll = async () => {
    await Promise.all([...running.values()].reverse().map((s) => s.stop()));
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
          const started = await startServiceProcess({ ...service, port: ports.get(key) as number, onOutput: options.onOutput });
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
    const token = (who: Who) => issueToken(identity, tokenRequest(who));
    // The test harness's own key: national trusts it for the clock and recovery routes of a test cluster only.
    const harnessCredential = credentialOf(keysDir, 'test');
    const harness = () => internalClient(urlOf('national'), harnessCredential);
    const startGateway = async (extraEnv: Record<string, string> = {}) =>
      start('gateway', {
        name: 'gateway',
        script: SCRIPTS.gateway,
        env: {
          NATIONAL_URL: `${urlOf('national')}/graphql`,
          ...(await keysOf('gateway', [])),
          PROVINCE_URLS: provinceUrls(),
          HEALTH_CHECK_INTERVAL_MS: String(options.healthCheckIntervalMs ?? 10_000),
          ...options.serviceEnv,
          ...extraEnv,
        },
      });

    progress(`starting provinces ${options.provinces.join(', ')}`);
    await Promise.all(options.provinces.map((code) => startProvince(code)));
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
      startProvince,
      startNational,
      startGateway,
      async setClock(time) {
        ({ offsetMs: clockOffsetMs } = await harness().call<{ offsetMs: number }>('clock', { now: time.toISOString() }));
      },
      recover: () => harness().call('recover', {}),
      token,
      as: (who) => graphClient(gatewayUrl, () => token(who)),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
