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
