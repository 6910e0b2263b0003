import assert from 'node:assert/strict';
import { Client } from 'pg';
import type { Cluster } from '../../cluster/cluster';
import { beijingTime, startTestCluster as startKitCluster, type TestClusterOptions } from '../../testing';
import type { GraphQLResponse } from '../../cluster/graphql-client';
import { type GraphClient, graphClient, type Who } from '../../cluster/parties';
import { withCheckCharacter } from '../../subgraphs/common/domain/id-number';
import { credentialOf } from '../../cluster/keys';
import { internalClient } from '../../subgraphs/common/platform/http/internal-rpc';
import type { ServiceCredential } from '../../subgraphs/common/platform/auth/service-credential';
import { z } from 'zod';
import type { ProvinceSelection } from '../../subgraphs/common/domain/reference-data';

/**
 * A whole cluster for one test file: its own embedded PostgreSQL in a fresh folder, real
 * processes on free ports. Test files never share data and can run in parallel.
 */
export type { GraphClient, Who };
export { beijingTime };

export interface TestCluster extends Cluster, GraphClient {
  /** Runs SQL on a deployment's own database ("national" or a province code). */
  sql<Row = Record<string, unknown>>(service: string, text: string, params?: unknown[]): Promise<Row[]>;
}

/**
 * The embedded PostgreSQL of the project's test clusters, set to spend less CPU on what no test
 * looks at (docs/testing.md says why each is safe). Only here: the kit's own defaults stay those of
 * a real server, since the benchmark and the chaos run measure and break a real one.
 * - fsync and full_page_writes off: both guard against an operating-system crash or a power loss
 *   only. A killed service or a killed PostgreSQL loses nothing the kernel already holds, and no
 *   test crashes the operating system. synchronous_commit stays on: an answered commit is in the WAL.
 * - no autovacuum: a test cluster lives for minutes, on small tables;
 * - no I/O worker processes (io_method=sync), no logical replication launcher: nothing uses them;
 * - smaller shared buffers: a test's data is a few megabytes.
 */
export const TEST_POSTGRES_SETTINGS: Readonly<Record<string, string>> = {
  fsync: 'off',
  full_page_writes: 'off',
  autovacuum: 'off',
  io_method: 'sync',
  max_logical_replication_workers: '0',
  shared_buffers: '32MB',
};

/** A test cluster of the kit (testing/), standing at 10:00 Beijing time today (R24 forbids transfers at night). */
export async function startTestCluster(
  provinces: ProvinceSelection = ['32', '13', '51'],
  dataDir?: string,
  nationalEnv: Record<string, string> = {},
  more: Pick<
    TestClusterOptions,
    | 'serviceEnv'
    | 'onOutput'
    | 'faultLinks'
    | 'latencyMs'
    | 'jitterMs'
    | 'replicas'
    | 'cryptoSuite'
    | 'tls'
    | 'namespaces'
  > = {},
): Promise<TestCluster> {
  const cluster = await startKitCluster({
    provinces,
    dataDir,
    nationalEnv,
    clock: beijingTime('10:00:00'),
    postgresSettings: TEST_POSTGRES_SETTINGS,
    ...more,
  });
  const anonymous = graphClient(cluster.gatewayUrl);
  const extras: Omit<TestCluster, keyof Cluster> = {
    query: anonymous.query,
    ok: anonymous.ok,
    subscribe: anonymous.subscribe,
    async sql(service, text, params = []) {
      const client = new Client({ connectionString: cluster.databaseUrls[service] });
      await client.connect();
      try {
        return (await client.query(text, params)).rows;
      } finally {
        await client.end();
      }
    },
  };
  return Object.assign(cluster, extras);
}

/**
 * A client of a deployment's internal operations, signed by the test harness's key (national's
 * clock and recovery, in tests only) or, to drive a province directly, by national's.
 */
export function internal(cluster: Cluster, baseUrl: string, as = 'test') {
  return uncheckedClient(baseUrl, credentialOf(cluster.keysDir, as));
}

/**
 * A client that sends any payload as it is given (the operations' contracts are checked by the
 * receiving end only): for tests that send what a well-behaved caller never would.
 */
export function uncheckedClient(baseUrl: string, credential: Pick<ServiceCredential, 'token'>) {
  return {
    call: (operation: string, input: unknown): Promise<unknown> =>
      internalClient(baseUrl, { [operation]: { input: z.unknown(), output: z.unknown() } }, credential).call(
        operation,
        input,
      ),
  };
}

let serial = 0;

/** A fresh valid ID number (born in January 1980 in 110101), unique within the test process. */
export function newIdNumber(): string {
  serial += 1;
  const sequence = String(serial % 1000).padStart(3, '0');
  const day = String(1 + (Math.floor(serial / 1000) % 28)).padStart(2, '0');
  return withCheckCharacter(`110101198001${day}${sequence}`);
}

export interface EnrolOptions {
  region: string;
  type?: 'EMPLOYEE' | 'RESIDENT';
  name?: string;
  currentYear?: string;
  accumulated?: string;
  wallet?: boolean;
}

/** Enrols a member through the gateway, credits their account, activates their wallet. */
export async function enrol(cluster: TestCluster, options: EnrolOptions): Promise<string> {
  const portal = cluster.as({ portal: options.region.slice(0, 2) });
  const { enrollMember } = await portal.ok<{ enrollMember: { id: string } }>(
    `mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`,
    {
      input: {
        idNumber: newIdNumber(),
        name: options.name ?? '测试',
        insuranceType: options.type ?? 'EMPLOYEE',
        poolingRegion: options.region,
      },
    },
  );
  for (const [fundSource, amount] of [
    ['CURRENT_YEAR', options.currentYear],
    ['ACCUMULATED', options.accumulated],
  ]) {
    if (!amount) continue;
    await portal.ok(`mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`, {
      input: { memberId: enrollMember.id, fundSource, amount, idempotencyKey: `seed-${enrollMember.id}-${fundSource}` },
    });
  }
  if (options.wallet ?? true) {
    await cluster
      .as({ member: enrollMember.id })
      .ok(`mutation($input: ActivateWalletInput!) { activateWallet(input: $input) { activatedAt } }`, {
        input: { memberId: enrollMember.id, phone: '13912345678', placeOfUse: options.region },
      });
  }
  return enrollMember.id;
}

/** The codes of a response's errors, in order. */
export const codes = (response: GraphQLResponse<unknown>) => (response.errors ?? []).map((e) => e.extensions?.code);

export const ESTABLISH = `mutation($input: EstablishMutualAidInput!) { establishMutualAid(input: $input) { id status } }`;
export const TRANSFER = `mutation($input: TransferQuotaInput!) { transferQuota(input: $input) { id state amount fundSource } }`;
export const SETTLE = `mutation($input: SettleExpenseInput!) { settleExpense(input: $input) {
  id state amount ownAccountPaid quotaPaid cashPaid authMethod } }`;
export const PREMIUM = `mutation($input: PayPremiumInput!) { payPremium(input: $input) { id state amount quotaPaid } }`;
export const DISSOLVE = `mutation($input: DissolveMutualAidInput!) { dissolveMutualAid(input: $input) {
  id status quota { granted spent released available } } }`;
/** R26, R31: an insurance change, with everything its answer says about the account's move. */
export const MOVE = `mutation($input: ChangeInsuranceInput!) { changeInsurance(input: $input) {
  endedMember { id } newMember { id } endedRelationshipIds
  accountMove { state currentYear accumulated from { id } to { id } } } }`;
export const REFUND = `mutation($input: RefundSettlementInput!) { refundSettlement(input: $input) {
  id amount cashPart quotaPart ownAccountPart } }`;

/** A commitment letter signed at 09:00, an hour before the test clock's 10:00 Beijing time. */
export const letter = () => ({ version: '2024-v1', signedAt: beijingTime('09:00:00').toISOString() });

let keys = 0;
/** A fresh idempotency key. */
export const key = (label = 'op') => `${label}-${process.pid}-${++keys}-${Date.now()}`;

export const CONFIRM = `mutation($input: ConfirmMutualAidInput!) { confirmMutualAid(input: $input) { id status } }`;
export const ACCEPT = `mutation($id: ID!) { acceptTransfer(transferId: $id) { id acceptedAt } }`;

/** Registers a relationship through the gateway, with the beneficiary's consent (R27); returns its id. */
export async function relate(
  cluster: TestCluster,
  donorId: string,
  beneficiaryId: string,
  relation = 'PARENT',
): Promise<string> {
  const data = await cluster.as({ member: donorId }).ok(ESTABLISH, {
    input: { donorId, beneficiaryId, relation, channel: 'NATIONAL_APP', commitment: letter() },
  });
  await cluster
    .as({ member: beneficiaryId })
    .ok(CONFIRM, { input: { relationshipId: data.establishMutualAid.id, channel: 'NATIONAL_APP' } });
  return data.establishMutualAid.id;
}

/** Sets quota and, unless told not to, has the beneficiary accept it (R25). */
export async function transfer(
  cluster: TestCluster,
  relationshipId: string,
  amount: string,
  fundSource = 'CURRENT_YEAR',
  accept = true,
) {
  const { donor, beneficiary } = await parties(cluster, relationshipId);
  const response = await cluster
    .as({ member: donor })
    .query(TRANSFER, { input: { relationshipId, amount, fundSource, idempotencyKey: key('transfer') } });
  const id = response.data?.transferQuota?.id;
  if (accept && id) await cluster.as({ member: beneficiary }).ok(ACCEPT, { id });
  return response;
}

/** The donor and beneficiary of a relationship, read from the national database. */
export async function parties(
  cluster: TestCluster,
  relationshipId: string,
): Promise<{ donor: string; beneficiary: string }> {
  const [row] = await cluster.sql<{ donor: string; beneficiary: string }>(
    'national',
    `SELECT donor_id AS donor, beneficiary_id AS beneficiary FROM relationship WHERE id = $1`,
    [relationshipId],
  );
  return row ?? { donor: '', beneficiary: '' };
}

export const hospital = (poolingRegion: string) => ({
  kind: 'DESIGNATED_HOSPITAL',
  name: '四川大学华西医院',
  poolingRegion,
});

export async function settle(
  cluster: TestCluster,
  beneficiaryId: string,
  amount: string,
  region = '510100',
  idempotencyKey = key('settle'),
) {
  return cluster.as({ member: beneficiaryId }).query(SETTLE, {
    input: {
      beneficiaryId,
      institution: hospital(region),
      category: 'OUTPATIENT',
      amount,
      credential: { method: 'E_CODE', holderId: beneficiaryId },
      idempotencyKey,
    },
  });
}

/** Every money-bearing row of every database, to show that a refusal changed nothing. */
export async function moneySnapshot(cluster: TestCluster): Promise<Record<string, unknown>> {
  const snapshot: Record<string, unknown> = {};
  for (const code of cluster.provinces.keys()) {
    snapshot[`accounts ${code}`] = await cluster.sql(
      code,
      `SELECT member_id, fund_source, balance, held FROM account ORDER BY 1, 2`,
    );
    snapshot[`holds ${code}`] = await cluster.sql(code, `SELECT * FROM hold ORDER BY id`);
    snapshot[`entries ${code}`] = await cluster.sql(code, `SELECT count(*) AS n FROM account_entry`);
  }
  for (const table of [
    'relationship',
    'transfer',
    'settlement',
    'quota_use',
    'refund',
    'province_step',
    'clearing_entry',
  ]) {
    snapshot[table] = await cluster.sql('national', `SELECT * FROM ${table} ORDER BY 1`);
  }
  return snapshot;
}

/** Asks the national side to reconcile a province now (R20) and returns the report. */
export async function reconciliation(cluster: TestCluster, province: string) {
  const data = await cluster.as({ portal: province }).ok(
    `query($p: ID!) { reconciliation(province: $p) {
    balanced heldInProvince unspentQuota inFlightTransfers unappliedSteps differences } }`,
    { p: province },
  );
  return data.reconciliation as {
    balanced: boolean;
    heldInProvince: string;
    unspentQuota: string;
    inFlightTransfers: number;
    unappliedSteps: number;
    differences: string[];
  };
}

/** Waits until a service process has exited and returns the signal that ended it, if any. */
export async function exitSignal(
  service: { child: import('node:child_process').ChildProcess } | undefined,
  timeoutMs = 10_000,
) {
  const child = service?.child;
  if (!child) return null;
  const deadline = Date.now() + timeoutMs;
  while (child.exitCode === null && child.signalCode === null && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  return child.signalCode;
}

/** Runs a request that must be refused with `code` and checks that it changed no money row. */
export async function refusedWithoutChange(
  cluster: TestCluster,
  run: () => Promise<{ errors?: { extensions?: Record<string, unknown> }[] }>,
  code: string,
): Promise<void> {
  const before = await moneySnapshot(cluster);
  const response = await run();
  assert.deepEqual(codes(response as GraphQLResponse<unknown>), [code]);
  assert.deepEqual(await moneySnapshot(cluster), before, 'a refusal changes nothing: no row, no entry, no hold');
}

/** R20: every province reconciles with no difference. */
export async function balanced(cluster: TestCluster, provinces = [...cluster.provinces.keys()]): Promise<void> {
  for (const province of provinces)
    assert.deepEqual((await reconciliation(cluster, province)).differences, [], `R20 in ${province}`);
}
