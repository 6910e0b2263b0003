import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, startTestCluster } from '../testing';
import { withCheckCharacter } from '../subgraphs/common/domain/id-number';
import { verifyJwt, signJwt } from '../subgraphs/common/platform/auth/jwt';
import { newKeyPair } from '../subgraphs/common/platform/auth/keys';
import { TrustedKeySet } from '../subgraphs/common/platform/auth/key-set';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../subgraphs/common/platform/auth/tokens';
import { keyedHash, open, seal } from '../subgraphs/common/platform/crypto/cipher';
import type { CryptoSuite } from '../subgraphs/common/platform/crypto/suite';
import { type AidPair, readAidPairs } from './bench-data';
import { type Callers, signCallers } from './callers';
import type { BenchConfig } from './config';
import { cpuTimes, withOthers } from './cpu-usage';
import { type GraphQLEndpoint, type LoadRun, type Operation, runLoad, summarize } from './load';
import { federatedRead } from './operations';
import { postmasterPid } from './proc';
import { platformCpuMs, type ScenarioResult, type Target } from './report';
import { seedNational, seedProvince } from './seed';
import { PILOT_REGION, seedShape } from './seed-people';
import { waitUntilSealed } from './seed-sealed';
import { addDifference, perOperation } from './tally';

/**
 * What personal data at rest costs (issue 27): the member page, enrolment and the portal's search
 * by ID number, at one caller, in each cryptography suite. The two suites cannot share a cluster
 * (a database's data keys and every token belong to one suite), so the `gm` suite runs in a second
 * cluster of its own, seeded alike; the two clusters run side by side and are loaded in turn, in
 * interleaved rounds, so that a shared machine's drift falls on both alike.
 *
 * Encryption at rest cannot be turned off (a service without its key-encryption key does not
 * start), so there is no plain run. The closest to one is each operation less the work of the
 * cryptography at rest it does on its path: the seals, opens and blind indexes of its code, each
 * timed here with the platform's own functions in that suite, subtracted from the operation's p50.
 * The suites' token check (a fresh verify, no cache) is timed here the same way.
 */
export type CryptoOperationKey = 'memberPage' | 'enrolment' | 'idNumberSearch';

interface AtRestWork {
  seals: number;
  opens: number;
  indexes: number;
}

/** The cryptography at rest on each operation's path, counted in the code (rounded up where a path may repeat it). */
const AT_REST_WORK: Record<CryptoOperationKey, AtRestWork> = {
  // the province opens the member's ID number, national the wallet's phone
  memberPage: { seals: 0, opens: 2, indexes: 0 },
  // national: the person's key (blind index) twice, the person sealed; the province: index to find, index and seal to insert, open of the row returned
  enrolment: { seals: 2, opens: 1, indexes: 4 },
  // the province: the blind index of the number asked for, the one membership found opened
  idNumberSearch: { seals: 0, opens: 1, indexes: 1 },
};

const OPERATION_LABELS: Record<CryptoOperationKey, string> = {
  memberPage: 'member page',
  enrolment: 'enrolment',
  idNumberSearch: 'portal search by ID number',
};

const SUITES: readonly CryptoSuite[] = ['international', 'gm'];

const scenarioKey = (operation: CryptoOperationKey, suite: CryptoSuite) =>
  `${operation}${suite === 'gm' ? 'Gm' : 'International'}1`;

export interface CryptoFigures {
  /** µs per check of a caller's token that no cache has seen (Ed25519 JWS / SM2-SM3 JWS). */
  tokenCheckMicros: Record<CryptoSuite, number>;
  /** µs per seal, open and blind index of an ID number. */
  primitiveMicros: Record<CryptoSuite, { seal: number; open: number; index: number }>;
  /** By scenario key: the p50 less the cryptography at rest on the operation's path (the plain run's closest). */
  plainP50Ms: Record<string, number>;
}

/** One suite's side: a cluster with its data loaded, its callers and what to watch for CPU. */
interface Side {
  suite: CryptoSuite;
  gateway: GraphQLEndpoint;
  pairs: readonly AidPair[];
  callers: Callers;
  processes: () => Map<string, number>;
  dataDir: string;
}

export interface InternationalSide extends Omit<Side, 'suite'> {}

export async function measureCryptoCost(
  international: InternationalSide,
  config: BenchConfig,
  openEndpoint: (url: string) => GraphQLEndpoint,
  log: (line: string) => void,
): Promise<{ scenarios: Record<string, ScenarioResult>; figures: CryptoFigures }> {
  const gm = await startGmSide(config, openEndpoint, log);
  try {
    const sides: Side[] = [{ suite: 'international', ...international }, gm.side];
    const operations = new Map(sides.map((side) => [side.suite, operationsOf(side, config.provinces)] as const));
    const runs = new Map<string, LoadRun[]>();
    const cpuMs = new Map<string, Map<string, number>>();
    for (let round = 0; round < config.rounds; round++) {
      for (const side of sides) {
        const cpuNow = () => cpuTimes(side.processes(), postmasterPid(side.dataDir));
        for (const [operation, run] of operations.get(side.suite) ?? []) {
          const key = scenarioKey(operation, side.suite);
          await runLoad({ concurrency: 1, seconds: config.warmupSeconds, operation: run });
          const before = cpuNow();
          const measured = await runLoad({ concurrency: 1, seconds: config.seconds / config.rounds, operation: run });
          const spent = cpuMs.get(key) ?? new Map<string, number>();
          addDifference(spent, before, cpuNow());
          cpuMs.set(key, spent);
          runs.set(key, [...(runs.get(key) ?? []), measured]);
          log(`  ${key} round ${round + 1}: p50 ${summarize([measured]).p50Ms.toFixed(2)} ms`);
        }
      }
    }
    const scenarios: Record<string, ScenarioResult> = {};
    for (const suite of SUITES)
      for (const operation of Object.keys(AT_REST_WORK) as CryptoOperationKey[]) {
        const key = scenarioKey(operation, suite);
        const stats = summarize(runs.get(key) ?? []);
        scenarios[key] = {
          label: `${OPERATION_LABELS[operation]}, ${suite} suite, one caller`,
          ...stats,
          cpuMsPerOperation: perOperation(withOthers(cpuMs.get(key) ?? new Map()), stats.operations, 0.01, 2),
        };
      }
    return { scenarios, figures: await cryptoFigures(scenarios) };
  } finally {
    await gm.stop();
  }
}

/** The `gm` suite's cluster, loaded as the main one is (seed.ts) and sealed before anything is measured. */
async function startGmSide(
  config: BenchConfig,
  openEndpoint: (url: string) => GraphQLEndpoint,
  log: (line: string) => void,
): Promise<{ side: Side; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wallet-bench-gm-pg-'));
  let cluster: Cluster | undefined;
  try {
    log('starting a second cluster in the gm suite (SM2 tokens, SM4 + HMAC-SM3 at rest)');
    cluster = await startTestCluster({
      provinces: config.provinces,
      dataDir,
      deleteDataAtStop: true,
      healthCheckIntervalMs: 10_000,
      cryptoSuite: 'gm',
    });
    const running = cluster;
    const shape = seedShape(config.membersPerProvince);
    await Promise.all([
      ...config.provinces.map((p) => seedProvince(running.databaseUrls[p], p, config.provinces, shape)),
      seedNational(running.databaseUrls.national, config.provinces, shape),
    ]);
    const pairs = await readAidPairs(running.databaseUrls.national);
    const callers = await signCallers(
      running,
      pairs.flatMap((p) => [p.donorId, p.beneficiaryId]),
      config.provinces,
    );
    const sealSeconds = await waitUntilSealed(running.databaseUrls, config.provinces);
    log(`gm cluster loaded; its personal data sealed in ${sealSeconds.toFixed(1)} s`);
    const side: Side = {
      suite: 'gm',
      gateway: openEndpoint(running.gatewayUrl),
      pairs,
      callers,
      processes: () =>
        new Map(
          [running.gateway, running.national, ...running.provinces.values()].map((s) => [s.name, s.child.pid ?? 0]),
        ),
      dataDir,
    };
    return {
      side,
      stop: async () => {
        await running.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

const ENROL = `mutation Enrol($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`;
const ID_NUMBER_SEARCH = `query IdNumberSearch($province: ID!, $idNumber: String!) {
  members(province: $province, filter: { idNumber: $idNumber }, page: { first: 20 }) {
    edges { node { id name maskedIdNumber status } } } }`;

/** Birthplace, birth date (1950-01-01 plus n ÷ 1000 days) and sequence: as seed-people.ts makes them. */
function idNumberOf(birthplace: string, n: number): string {
  const born = new Date(Date.UTC(1950, 0, 1 + Math.floor(n / 1000)));
  return withCheckCharacter(
    `${birthplace}${born.toISOString().slice(0, 10).replaceAll('-', '')}${String(n % 1000).padStart(3, '0')}`,
  );
}

function operationsOf(side: Side, provinces: readonly string[]): Map<CryptoOperationKey, Operation> {
  let enrolled = 0;
  let searched = 0;
  const enrolment: Operation = async () => {
    const n = enrolled++;
    const province = provinces[n % provinces.length];
    // birthplace xx0199: no seeded person has it (the seed's is xx0102), so each enrolment is a new person
    const input = {
      idNumber: idNumberOf(`${province}0199`, n),
      name: '测试',
      insuranceType: 'RESIDENT',
      poolingRegion: PILOT_REGION[province],
    };
    await side.gateway.request(ENROL, { input }, side.callers.portal(province));
  };
  const idNumberSearch: Operation = async () => {
    const k = searched++;
    const province = provinces[k % provinces.length];
    const idNumber = idNumberOf(`${province}0102`, 1 + ((k * 7919) % 1000));
    const data = await side.gateway.request<{ members: { edges: unknown[] } }>(
      ID_NUMBER_SEARCH,
      { province, idNumber },
      side.callers.portal(province),
    );
    if (data.members.edges.length !== 1) throw new Error(`${data.members.edges.length} members with ${idNumber}`);
  };
  return new Map<CryptoOperationKey, Operation>([
    ['memberPage', federatedRead(side.gateway, side.pairs, side.callers)],
    ['enrolment', enrolment],
    ['idNumberSearch', idNumberSearch],
  ]);
}

/** µs per call of `call`, over about `ms` milliseconds after a warm-up. */
async function microsPerCall(call: () => unknown, ms = 300): Promise<number> {
  for (let i = 0; i < 200; i++) await call();
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    for (let i = 0; i < 50; i++) await call();
    calls += 50;
  }
  return Math.round(((performance.now() - started) * 1000 * 10) / calls) / 10;
}

async function tokenCheckMicros(suite: CryptoSuite): Promise<number> {
  const { privateJwk, publicJwk } = await newKeyPair('bench-identity', suite);
  const token = await signJwt(privateJwk, {
    iss: DEFAULT_ISSUER,
    aud: DEFAULT_AUDIENCE,
    sub: 'bench',
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  const keys = TrustedKeySet.fromSet({ keys: [publicJwk] }, 'bench key set', suite);
  const check = { audience: DEFAULT_AUDIENCE, issuer: DEFAULT_ISSUER, requiredClaims: ['exp'] };
  return microsPerCall(() => verifyJwt(token, keys, check));
}

async function primitiveMicros(suite: CryptoSuite): Promise<{ seal: number; open: number; index: number }> {
  const key = randomBytes(32);
  const idNumber = Buffer.from(idNumberOf('320102', 1));
  const context = Buffer.from('member.id_number:320500-00000001');
  const sealed = seal(suite, key, idNumber, context);
  return {
    seal: await microsPerCall(() => seal(suite, key, idNumber, context)),
    open: await microsPerCall(() => open(suite, key, sealed, context)),
    index: await microsPerCall(() => keyedHash(suite, key, idNumber)),
  };
}

async function cryptoFigures(scenarios: Record<string, ScenarioResult>): Promise<CryptoFigures> {
  const figures: CryptoFigures = {
    tokenCheckMicros: { international: 0, gm: 0 },
    primitiveMicros: { international: { seal: 0, open: 0, index: 0 }, gm: { seal: 0, open: 0, index: 0 } },
    plainP50Ms: {},
  };
  for (const suite of SUITES) {
    figures.tokenCheckMicros[suite] = await tokenCheckMicros(suite);
    const micros = await primitiveMicros(suite);
    figures.primitiveMicros[suite] = micros;
    for (const [operation, work] of Object.entries(AT_REST_WORK) as [CryptoOperationKey, AtRestWork][]) {
      const key = scenarioKey(operation, suite);
      const atRestMs = (work.seals * micros.seal + work.opens * micros.open + work.indexes * micros.index) / 1000;
      figures.plainP50Ms[key] = (scenarios[key]?.p50Ms ?? Number.NaN) - atRestMs;
    }
  }
  return figures;
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? Math.round((a / b) * 1000) / 1000 : Number.NaN;

/** The issue's targets: each operation with encryption on ≤ 1.15 × the plain run's p50 (see above for "plain"). */
export function cryptoTargets(
  s: Record<string, ScenarioResult>,
  figures: CryptoFigures | undefined,
): Omit<Target, 'pass'>[] {
  if (!figures) return [];
  return SUITES.flatMap((suite) =>
    (Object.keys(AT_REST_WORK) as CryptoOperationKey[]).map((operation) => {
      const key = scenarioKey(operation, suite);
      return {
        name: `${OPERATION_LABELS[operation]}, ${suite}: p50 ÷ plain p50, one caller`,
        value: ratio(s[key]?.p50Ms, figures.plainP50Ms[key]),
        target: '≤ 1.15',
      };
    }),
  );
}

/** The lines printed under the targets: the suites side by side. */
export function formatCryptoFigures(s: Record<string, ScenarioResult>, figures: CryptoFigures | undefined): string[] {
  if (!figures) return [];
  const num = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
  const lines = ['', 'cryptography suites (gm beside international):'];
  const t = figures.tokenCheckMicros;
  lines.push(
    `  token check, µs per verify (no cache): gm (SM2-SM3 JWS) ${num(t.gm, 1)}, international (Ed25519 JWS) ${num(t.international, 1)}`,
  );
  for (const suite of SUITES) {
    const p = figures.primitiveMicros[suite];
    lines.push(
      `  at rest, µs per ID number, ${suite}: seal ${num(p.seal, 1)}, open ${num(p.open, 1)}, blind index ${num(p.index, 1)}`,
    );
  }
  for (const operation of Object.keys(AT_REST_WORK) as CryptoOperationKey[]) {
    const [gm, intl] = [scenarioKey(operation, 'gm'), scenarioKey(operation, 'international')];
    lines.push(
      `  ${OPERATION_LABELS[operation]}: p50 gm ${num(s[gm]?.p50Ms, 2)} ms / international ${num(s[intl]?.p50Ms, 2)} ms` +
        ` (plain ≈ ${num(figures.plainP50Ms[gm], 2)} / ${num(figures.plainP50Ms[intl], 2)}); CPU ms per operation, all processes: gm ${num(platformCpuMs(s[gm]), 2)} / international ${num(platformCpuMs(s[intl]), 2)}`,
    );
  }
  return lines;
}
