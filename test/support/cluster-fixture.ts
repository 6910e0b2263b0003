import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type Cluster, startCluster } from '../../cluster/cluster';
import { graphql, graphqlOk, type GraphQLResponse } from '../../cluster/graphql-client';
import { withCheckCharacter } from '../../subgraphs/common/id-number';

/**
 * A whole cluster for one test file: its own embedded PostgreSQL in a fresh folder, real
 * processes on free ports. Test files never share data and can run in parallel.
 */
export interface TestCluster extends Cluster {
  query<Data = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<Data>>;
  ok<Data = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<Data>;
  /** Runs SQL on a deployment's own database ("national" or a province code). */
  sql<Row = Record<string, unknown>>(service: string, text: string, params?: unknown[]): Promise<Row[]>;
}

export async function startTestCluster(provinces = ['32', '13', '51'], dataDir?: string): Promise<TestCluster> {
  const cluster = await startCluster({
    provinces,
    dataDir: dataDir ?? mkdtempSync(join(tmpdir(), 'wallet-test-')),
    ephemeral: dataDir === undefined,
    healthCheckIntervalMs: 500,
  });
  return {
    ...cluster,
    query: (query, variables) => graphql(cluster.gatewayUrl, query, variables),
    ok: (query, variables) => graphqlOk(cluster.gatewayUrl, query, variables),
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
  const { enrollMember } = await cluster.ok<{ enrollMember: { id: string } }>(
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
  for (const [fundSource, amount] of [['CURRENT_YEAR', options.currentYear], ['ACCUMULATED', options.accumulated]]) {
    if (!amount) continue;
    await cluster.ok(`mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`, {
      input: { memberId: enrollMember.id, fundSource, amount, idempotencyKey: `seed-${enrollMember.id}-${fundSource}` },
    });
  }
  if (options.wallet ?? true) {
    await cluster.ok(`mutation($id: ID!) { activateWallet(memberId: $id) { activatedAt } }`, { id: enrollMember.id });
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
export const REFUND = `mutation($input: RefundSettlementInput!) { refundSettlement(input: $input) {
  id amount cashPart quotaPart ownAccountPart } }`;

export const letter = () => ({ version: '2024-v1', signedAt: new Date(Date.now() - 60_000).toISOString() });

let keys = 0;
/** A fresh idempotency key. */
export const key = (label = 'op') => `${label}-${process.pid}-${++keys}-${Date.now()}`;

/** Registers a relationship through the gateway and returns its id. */
export async function relate(cluster: TestCluster, donorId: string, beneficiaryId: string, relation = 'PARENT'): Promise<string> {
  const data = await cluster.ok(ESTABLISH, {
    input: { donorId, beneficiaryId, relation, channel: 'NATIONAL_APP', commitment: letter() },
  });
  return data.establishMutualAid.id;
}

export async function transfer(cluster: TestCluster, relationshipId: string, amount: string, fundSource = 'CURRENT_YEAR') {
  return cluster.query(TRANSFER, { input: { relationshipId, amount, fundSource, idempotencyKey: key('transfer') } });
}

export const hospital = (poolingRegion: string) => ({ kind: 'DESIGNATED_HOSPITAL', name: '四川大学华西医院', poolingRegion });

export async function settle(cluster: TestCluster, beneficiaryId: string, amount: string, region = '510100', idempotencyKey = key('settle')) {
  return cluster.query(SETTLE, {
    input: { beneficiaryId, institution: hospital(region), category: 'OUTPATIENT', amount, authMethod: 'E_CODE', idempotencyKey },
  });
}

/** Every money-bearing row of every database, to show that a refusal changed nothing. */
export async function moneySnapshot(cluster: TestCluster): Promise<Record<string, unknown>> {
  const snapshot: Record<string, unknown> = {};
  for (const code of cluster.provinces.keys()) {
    snapshot[`accounts ${code}`] = await cluster.sql(code, `SELECT member_id, fund_source, balance, held FROM account ORDER BY 1, 2`);
    snapshot[`holds ${code}`] = await cluster.sql(code, `SELECT * FROM hold ORDER BY id`);
    snapshot[`entries ${code}`] = await cluster.sql(code, `SELECT count(*) AS n FROM account_entry`);
  }
  for (const table of ['relationship', 'transfer', 'settlement', 'quota_use', 'refund', 'province_step', 'clearing_entry']) {
    snapshot[table] = await cluster.sql('national', `SELECT * FROM ${table} ORDER BY 1`);
  }
  return snapshot;
}

/** Asks the national side to reconcile a province now (R20) and returns the report. */
export async function reconciliation(cluster: TestCluster, province: string) {
  const data = await cluster.ok(`query($p: ID!) { reconciliation(province: $p) {
    balanced heldInProvince unspentQuota inFlightTransfers unappliedSteps differences } }`, { p: province });
  return data.reconciliation as { balanced: boolean; heldInProvince: string; unspentQuota: string; inFlightTransfers: number; unappliedSteps: number; differences: string[] };
}
