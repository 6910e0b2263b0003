import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditServer } from 'graphql-http';
import { Role } from '../subgraphs/common/platform/auth/caller';
import { newKeyPair } from '../subgraphs/common/platform/auth/keys';
import { issueToken } from '../subgraphs/common/platform/auth/tokens';
import {
  enrol,
  ESTABLISH,
  hospital,
  key,
  letter,
  moneySnapshot,
  relate,
  SETTLE,
  settle,
  startTestCluster,
  transfer,
  TRANSFER,
  type TestCluster,
} from './support/cluster-fixture';

/**
 * Hostile input: each of more than 100 bad requests gets a clear error with a stable code and no
 * stack trace, and the databases are unchanged afterwards, row for row, but for the refusals kept
 * with the keys of the keyed requests (R21: a key's first refusal is its final answer).
 */
let cluster: TestCluster;
const m: Record<string, string> = {};

before(async () => {
  cluster = await startTestCluster(['32', '51']);
  m.son = await enrol(cluster, { region: '320500', currentYear: '500.00' });
  m.father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  m.rel = await relate(cluster, m.son, m.father);
  await transfer(cluster, m.rel, '100.00');
  m.settlement = (await settle(cluster, m.father, '20.00', '510100', 'replay-settle-1')).data?.settleExpense.id;
});

after(async () => {
  await cluster?.stop();
});

interface Hostile {
  name: string;
  body: string; // the raw HTTP body
  token?: string | null; // null: no Authorization header
  contentType?: string;
}

const INJECTIONS = [
  "'; DROP TABLE member; --",
  "' OR '1'='1",
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  '../../etc/passwd',
  '\u0000\u0001',
  'a'.repeat(5000),
  '\\"}}]}',
  '𠮷'.repeat(60),
  '%27 UNION SELECT id_number FROM member--',
];
const AMOUNTS = [
  '-1.00',
  '0.00',
  '-0.01',
  '0.001',
  '1e3',
  'NaN',
  'Infinity',
  '99999999999999999',
  '１００',
  '100,00',
  '0x10',
  ' ',
  '',
];

async function corpus(): Promise<Hostile[]> {
  const as = async (who: Parameters<TestCluster['token']>[0]) => cluster.token(who);
  const son = await as({ member: m.son });
  const father = await as({ member: m.father });
  const portal32 = await as({ portal: '32' });
  const gql = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
  const secret = cluster.identity;
  const list: Hostile[] = [];
  // Malformed GraphQL and HTTP bodies
  for (const query of [
    '{',
    'query {',
    'mutation { enrollMember( }',
    '}}}',
    'query { member(id: ) { id } }',
    'subscription { x }',
    '{ member(id: "x") { ...Missing } }',
    '{ nope }',
    'query Q($a: Int) { provinces { edges { node { code } } } }',
    '{ provinces(page: "x") { pageInfo { hasNextPage } } }',
  ]) {
    list.push({ name: `malformed: ${query}`, body: gql(query), token: portal32 });
  }
  list.push({ name: 'not JSON', body: '{"query": ', token: portal32 });
  list.push({
    name: 'JSON array batch',
    body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    token: portal32,
  });
  list.push({ name: 'no query', body: JSON.stringify({ variables: {} }), token: portal32 });
  list.push({ name: 'text/plain body', body: '{ __typename }', token: portal32, contentType: 'text/plain' });
  // Wrong types
  const credit = (amount: unknown, memberId: unknown = m.son, extra: Record<string, unknown> = {}) =>
    gql(`mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`, {
      input: { memberId, amount, idempotencyKey: key('hostile'), ...extra },
    });
  for (const [what, body] of [
    ['amount as a float', credit(1.5)],
    ['amount as a number', credit(100)],
    ['amount as a boolean', credit(true)],
    ['amount as an object', credit({ yuan: 1 })],
    ['memberId as a number', credit('1.00', 320500)],
    ['fund source not an enum', credit('1.00', m.son, { fundSource: 'RICH' })],
    ['input missing', gql(`mutation { creditContribution { amount } }`)],
    [
      'variables as a string',
      JSON.stringify({
        query: `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`,
        variables: 'x',
      }),
    ],
    ['unknown input field', credit('1.00', m.son, { bonus: '9.00' })],
    [
      'list for an object',
      gql(`mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`, { input: [] }),
    ],
  ] as const) {
    list.push({ name: `wrong type: ${what}`, body, token: portal32 });
  }
  // Bad amounts on every money-moving operation
  for (const amount of AMOUNTS) {
    list.push({ name: `credit ${JSON.stringify(amount)}`, body: credit(amount), token: portal32 });
    list.push({
      name: `transfer ${JSON.stringify(amount)}`,
      body: gql(TRANSFER, {
        input: { relationshipId: m.rel, amount, fundSource: 'CURRENT_YEAR', idempotencyKey: key('h') },
      }),
      token: son,
    });
  }
  for (const amount of ['-5.00', '0.005', '1e9']) {
    list.push({
      name: `settle ${amount}`,
      body: gql(SETTLE, {
        input: {
          beneficiaryId: m.father,
          institution: hospital('510100'),
          category: 'OUTPATIENT',
          amount,
          credential: { method: 'E_CODE', holderId: m.father },
          idempotencyKey: key('h'),
        },
      }),
      token: father,
    });
    list.push({
      name: `refund ${amount}`,
      body: gql(`mutation($input: RefundSettlementInput!) { refundSettlement(input: $input) { id } }`, {
        input: { settlementId: m.settlement, amount, idempotencyKey: key('h') },
      }),
      token: portal32,
    });
  }
  // Injection strings in every text field (each request is refused by some rule)
  for (const text of INJECTIONS) {
    list.push({
      name: `enrol name ${text.slice(0, 12)}`,
      token: portal32,
      body: gql(`mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`, {
        input: { idNumber: '11010519491231002X', name: text, insuranceType: 'RESIDENT', poolingRegion: '320500' },
      }),
    });
    list.push({
      name: `enrol idNumber ${text.slice(0, 12)}`,
      token: portal32,
      body: gql(`mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`, {
        input: { idNumber: text, name: '测试', insuranceType: 'RESIDENT', poolingRegion: '320500' },
      }),
    });
    list.push({
      name: `enrol region ${text.slice(0, 12)}`,
      token: portal32,
      body: gql(`mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`, {
        input: { idNumber: '11010519491231002X', name: '测试', insuranceType: 'RESIDENT', poolingRegion: text },
      }),
    });
    list.push({
      name: `idempotency key ${text.slice(0, 12)}`,
      token: portal32,
      body: credit('1.00', m.son, { idempotencyKey: text }),
    });
    list.push({ name: `member id ${text.slice(0, 12)}`, token: portal32, body: credit('1.00', text) });
    list.push({
      name: `relationship id ${text.slice(0, 12)}`,
      token: son,
      body: gql(TRANSFER, {
        input: { relationshipId: text, amount: '1.00', fundSource: 'CURRENT_YEAR', idempotencyKey: key('h') },
      }),
    });
    list.push({
      name: `commitment, operator ${text.slice(0, 12)}`,
      token: son,
      body: gql(ESTABLISH, {
        input: {
          donorId: m.son,
          beneficiaryId: m.father,
          relation: 'COUSIN',
          channel: 'NATIONAL_APP',
          operatorId: text,
          commitment: { version: text, signedAt: letter().signedAt },
        },
      }),
    });
    list.push({
      name: `institution name ${text.slice(0, 12)}`,
      token: father,
      body: gql(SETTLE, {
        input: {
          beneficiaryId: m.father,
          institution: { kind: 'DESIGNATED_RETAIL_PHARMACY', name: text, poolingRegion: '510100' },
          category: 'COSMETICS',
          amount: '1.00',
          credential: { method: 'FACE', holderId: m.father },
          idempotencyKey: key('h'),
        },
      }),
    });
    list.push({
      name: `phone ${text.slice(0, 12)}`,
      token: father,
      body: gql(`mutation($input: ActivateWalletInput!) { activateWallet(input: $input) { activatedAt } }`, {
        input: { memberId: m.father, phone: text, placeOfUse: '510100' },
      }),
    });
  }
  // Deep and wide queries
  let deep = 'id';
  for (let i = 0; i < 8; i++) deep = `relationshipsAsDonor { edges { node { beneficiary { ${deep} } } } }`;
  list.push({ name: 'deep', token: son, body: gql(`query($id: ID!) { member(id: $id) { ${deep} } }`, { id: m.son }) });
  const wide = Array.from(
    { length: 60 },
    (_, i) =>
      `a${i}: provinces(page: { first: 100 }) { edges { node { poolingRegions(page: { first: 100 }) { edges { node { code } } } } } }`,
  ).join(' ');
  list.push({ name: 'wide', token: son, body: gql(`{ ${wide} }`) });
  list.push({
    name: 'page of 1000',
    token: son,
    body: gql(`{ provinces(page: { first: 1000 }) { edges { node { code } } } }`),
  });
  list.push({
    name: 'page of 0',
    token: son,
    body: gql(`{ provinces(page: { first: 0 }) { edges { node { code } } } }`),
  });
  list.push({
    name: 'forged cursor',
    token: son,
    body: gql(`{ provinces(page: { after: "bm90LWEtY3Vyc29y!!" }) { edges { node { code } } } }`),
  });
  const fragments = `fragment A on Query { ...B } fragment B on Query { ...A } { ...A }`;
  list.push({ name: 'fragment cycle', token: son, body: gql(fragments) });
  // Forged, expired and wrong-province tokens
  const other = { privateJwk: (await newKeyPair('idp-someone-else')).privateJwk };
  const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ role: 'PROVINCIAL_PORTAL', province: '32', sub: 'x' })).toString('base64url')}.`;
  for (const [what, token] of [
    ['no token', null],
    ['garbage', 'abc.def.ghi'],
    ['alg none', none],
    ['another key', await issueToken(other, { role: Role.PROVINCIAL_PORTAL, subject: 'x', province: '32' })],
    ['member with a bad id', await issueToken(secret, { role: Role.MEMBER, subject: 'not-a-member' })],
    ['portal without province', await issueToken(secret, { role: Role.PROVINCIAL_PORTAL, subject: 'x' })],
    ['service', await issueToken(secret, { role: Role.SERVICE, subject: 'x' })],
    ['wrong province', await as({ portal: '51' })],
    ['another member', father],
    ['dashboard', await as('dashboard')],
    ['operator of another province', await as({ operator: 'CD-1', province: '51' })],
  ] as const) {
    list.push({ name: `token: ${what}`, token, body: credit('1.00') });
  }
  list.push({
    name: 'another member transfers',
    token: father,
    body: gql(TRANSFER, {
      input: { relationshipId: m.rel, amount: '1.00', fundSource: 'CURRENT_YEAR', idempotencyKey: key('h') },
    }),
  });
  list.push({
    name: 'another member refunds',
    token: father,
    body: gql(`mutation($input: RefundSettlementInput!) { refundSettlement(input: $input) { id } }`, {
      input: { settlementId: m.settlement, amount: '1.00', idempotencyKey: key('h') },
    }),
  });
  // Replays with changed bodies
  for (const amount of ['21.00', '19.99', '20.01']) {
    list.push({
      name: `settlement replay ${amount}`,
      token: father,
      body: gql(SETTLE, {
        input: {
          beneficiaryId: m.father,
          institution: hospital('510100'),
          category: 'OUTPATIENT',
          amount,
          credential: { method: 'E_CODE', holderId: m.father },
          idempotencyKey: 'replay-settle-1',
        },
      }),
    });
  }
  list.push({
    name: 'settlement replay, other category',
    token: father,
    body: gql(SETTLE, {
      input: {
        beneficiaryId: m.father,
        institution: hospital('510100'),
        category: 'INPATIENT',
        amount: '20.00',
        credential: { method: 'E_CODE', holderId: m.father },
        idempotencyKey: 'replay-settle-1',
      },
    }),
  });
  list.push({
    name: 'contribution replay, other amount',
    token: portal32,
    body: credit('9.99', m.son, { idempotencyKey: `seed-${m.son}-CURRENT_YEAR` }),
  });
  list.push({
    name: 'contribution replay, other fund',
    token: portal32,
    body: credit('500.00', m.son, { idempotencyKey: `seed-${m.son}-CURRENT_YEAR`, fundSource: 'ACCUMULATED' }),
  });
  return list;
}

/** Every row of every table that records money, people, wallets or idempotency. */
async function everything(): Promise<Record<string, unknown>> {
  const snapshot = await moneySnapshot(cluster);
  for (const table of ['person', 'wallet', 'suspected_fraud', 'ended_membership', 'transfer_policy']) {
    snapshot[table] = await cluster.sql('national', `SELECT * FROM ${table} ORDER BY 1`);
  }
  for (const code of ['32', '51']) {
    snapshot[`members ${code}`] = await cluster.sql(code, `SELECT * FROM member ORDER BY id`);
    snapshot[`all entries ${code}`] = await cluster.sql(code, `SELECT * FROM account_entry ORDER BY id`);
    snapshot[`idempotency ${code}`] = await cluster.sql(code, `SELECT * FROM idempotency_record ORDER BY key`);
  }
  snapshot['national keys with an answer other than a refusal'] = await cluster.sql(
    'national',
    `SELECT * FROM idempotency_record WHERE refusal IS NULL ORDER BY key`,
  );
  return snapshot;
}

describe('hostile input', () => {
  test('more than 100 hostile requests: each a clear error with a stable code, and nothing changes', async () => {
    const requests = await corpus();
    assert.ok(requests.length >= 100, `${requests.length} requests`);
    const before = await everything();
    for (const request of requests) {
      const response = await fetch(cluster.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': request.contentType ?? 'application/json',
          ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
        },
        body: request.body,
      });
      const text = await response.text();
      let body: { errors?: { message?: string; extensions?: Record<string, unknown> }[] } = {};
      try {
        body = JSON.parse(text);
      } catch {
        assert.fail(`${request.name}: the answer is not JSON (HTTP ${response.status})`);
      }
      assert.ok(
        body.errors?.length,
        `${request.name}: refused with an error (HTTP ${response.status}) ${text.slice(0, 200)}`,
      );
      for (const error of body.errors ?? []) {
        const code = error.extensions?.code;
        assert.equal(typeof code, 'string', `${request.name}: a stable code`);
        assert.notEqual(code, 'INTERNAL_SERVER_ERROR', `${request.name}: ${error.message}`);
        assert.ok(
          !('stacktrace' in (error.extensions ?? {})) && !text.includes('    at '),
          `${request.name}: no stack trace`,
        );
        assert.ok((error.message?.length ?? 0) > 5, `${request.name}: a message`);
      }
    }
    assert.deepEqual(await everything(), before, 'the databases are unchanged, row for row');
  });

  test('introspection stays on outside production (off with NODE_ENV=production)', async () => {
    const response = await cluster.as({ portal: '32' }).query('{ __schema { queryType { name } } }');
    assert.equal(response.data?.__schema?.queryType?.name, 'Query');
  });
});

describe('GraphQL over HTTP', () => {
  test('the gateway passes every MUST audit of graphql-http', async () => {
    const token = await cluster.token({ portal: '32' });
    const results = await auditServer({
      url: cluster.gatewayUrl,
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` },
        }),
    });
    const failed = results
      .filter((r) => r.status === 'error')
      .map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);
    assert.deepEqual(failed, []);
    assert.ok(results.filter((r) => r.status === 'ok').length > 20);
  });
});
