import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, type Reconciliation, startCluster } from '../cluster/cluster';
import type { GraphQLResponse } from '../cluster/graphql-client';
import type { GraphClient, Who } from '../cluster/parties';
import type { ServiceProcess } from '../cluster/service-process';
import type { Subscription } from '../cluster/subscription-client';
import { withCheckCharacter } from '../subgraphs/common/domain/id-number';
import type { CryptoSuite } from '../subgraphs/common/platform/crypto/suite';
import type { ProvinceSelection } from '../subgraphs/common/domain/reference-data';

/**
 * The integration-test kit (`medical-wallet-federation/testing`): a whole platform for a test, on
 * real processes and a real PostgreSQL. A team testing its portal, or the national centre testing
 * a release, starts one with any provinces, sends GraphQL as any party with tokens the platform
 * accepts, moves the platform clock, stops, kills and restarts any service on its port and
 * database, waits until recovery has finished everything, and reconciles every province (R20).
 * The project's own tests, its benchmark and its chaos run use it too.
 */
export interface TestClusterOptions {
  /** Province codes (GB/T 2260) to run, each its own deployment and database, or 'all' 31. Default 32, 13, 51. */
  provinces?: ProvinceSelection;
  /** Existing PostgreSQL databases, by "national" or province code; the others run in an embedded PostgreSQL. */
  databaseUrls?: Record<string, string>;
  /** Where the embedded PostgreSQL keeps its data. Default: a temporary folder, deleted when the cluster stops. */
  dataDir?: string;
  /** Delete `dataDir` when the cluster stops (always so for the default temporary folder). */
  deleteDataAtStop?: boolean;
  /** A fixed gateway port. Default: a free one. */
  gatewayPort?: number;
  /** Fixed ports for the other services: national at basePort + 1, provinces from basePort + 100. Default: free ones. */
  basePort?: number;
  /** The embedded PostgreSQL's port. Default: a free one. */
  postgresPort?: number;
  /** Settings of the embedded PostgreSQL server, e.g. `{ shared_preload_libraries: 'pg_stat_statements' }`. */
  postgresSettings?: Record<string, string>;
  /** Where the platform clock starts (Beijing time rules read it: R24, R25). Default: the system time. */
  clock?: Date;
  /** How often the gateway checks every province's schema (an unhealthy one is checked every second). Default 500 ms. */
  healthCheckIntervalMs?: number;
  /**
   * Copies of a service, by 'gateway', 'national' or province code (default one each): e.g.
   * `{ gateway: 2, national: 2, '32': 2 }`. Each service keeps one address (a round-robin front);
   * `kill('national#1')` kills one copy, `kill('national')` every copy.
   */
  replicas?: Record<string, number>;
  /** Extra environment of national, e.g. RECOVERY_INTERVAL_MS to run recovery only when the test asks. */
  nationalEnv?: Record<string, string>;
  /** Extra environment of every service, e.g. OTEL_EXPORTER_OTLP_ENDPOINT to export their traces. */
  serviceEnv?: Record<string, string>;
  /** Every line each service prints, by service name. */
  onOutput?: (service: string, line: string) => void;
  /** What the cluster is doing while it starts. */
  onProgress?: (line: string) => void;
  /** Every link between deployments, and from each service to its database, through a fault proxy: `cluster.link(from, to)` breaks it. */
  faultLinks?: boolean;
  /** Round-trip time added on every link between deployments (implies faultLinks). */
  latencyMs?: number;
  /** Up to this much more, at random, each way on those links. */
  jitterMs?: number;
  /** Each service in its own network namespace and address, reached only through its links (root and `ip netns` needed; see docs/network.md). */
  namespaces?: boolean;
  /** The cryptography suite of every deployment: 'international' (default, Ed25519) or 'gm' (SM2/SM3/SM4). */
  cryptoSuite?: CryptoSuite;
  /** HTTPS for every service and internal URL, the gateway's too (a development CA made in the cluster's keys folder, trusted by this process). */
  tls?: boolean;
}

/**
 * Starts a test cluster: its services accept the test harness's clock and recovery controls (a
 * cluster started any other way, or in production, refuses them). Stop it with `stop()`.
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<Cluster> {
  const cluster = await startCluster({
    provinces: options.provinces ?? ['32', '13', '51'],
    dataDir: options.dataDir ?? mkdtempSync(join(tmpdir(), 'wallet-test-')),
    ephemeral: options.dataDir === undefined || options.deleteDataAtStop === true,
    databaseUrls: options.databaseUrls,
    gatewayPort: options.gatewayPort,
    basePort: options.basePort,
    postgresPort: options.postgresPort,
    postgresSettings: options.postgresSettings,
    healthCheckIntervalMs: options.healthCheckIntervalMs ?? 500,
    replicas: options.replicas,
    jwksRefreshMs: 500,
    testHarness: true,
    adjustableClock: true,
    cryptoSuite: options.cryptoSuite,
    tls: options.tls,
    nationalEnv: options.nationalEnv,
    serviceEnv: options.serviceEnv,
    onOutput: options.onOutput,
    onProgress: options.onProgress,
    faultLinks: options.faultLinks,
    latencyMs: options.latencyMs,
    jitterMs: options.jitterMs,
    namespaces: options.namespaces,
  });
  try {
    if (options.clock) await cluster.setClock(options.clock);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

const BEIJING_OFFSET_MS = 8 * 3_600_000;

/**
 * An instant at a Beijing wall-clock time ('21:59:59') on the Beijing calendar day of `day`
 * (default: today), plus `days` days: the pilot's time rules are stated in Beijing time.
 */
export function beijingTime(time: string, options: { day?: Date; days?: number } = {}): Date {
  const date = new Date((options.day ?? new Date()).getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
  return new Date(new Date(`${date}T${time}+08:00`).getTime() + (options.days ?? 0) * 86_400_000);
}

/** A resident ID number (GB 11643) from its first 17 characters, with the check character the platform verifies. */
export const idNumber = (first17: string): string => withCheckCharacter(first17);

export type { LinkControl } from '../cluster/fault-proxy';
export { namespacesUnavailable } from '../cluster/namespaces';
export type { Cluster, CryptoSuite, GraphClient, GraphQLResponse, Reconciliation, ServiceProcess, Subscription, Who };
