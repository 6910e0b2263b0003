import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { enrol, key, moneySnapshot, startTestCluster, type TestCluster } from './support/cluster-fixture';

/**
 * One mistake, one answer: a Money value that is not an amount gets INVALID_AMOUNT with HTTP 400,
 * whether it is written in the query or sent as a variable, at the gateway and at the subgraphs
 * called directly, and the message says what is wrong. Nothing changes.
 */
let cluster: TestCluster;
let member: string;

before(async () => {
  cluster = await startTestCluster(['32']);
  member = await enrol(cluster, { region: '320500', currentYear: '100.00' });
});

after(async () => {
  await cluster?.stop();
});

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string; stacktrace?: unknown } }[] };
}

async function post(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const BAD: [string, RegExp][] = [
  ['1.005', /at most two decimals/],
  ['abc', /write digits 0-9/],
  ['１００', /write digits 0-9/],
  ['100000000000000000000', /too large: at most 10000000000\.00 yuan/],
  [' 100', /no spaces/],
  ['00100', /no leading zeros/],
  ['-1.00', /without a sign/],
  ['+1.00', /without a sign/],
];

/** The same amount, written three ways: in the query, as a variable, inside an input variable. */
function forms(field: 'creditContribution' | 'transferQuota', amount: string) {
  const rest = () =>
    field === 'creditContribution'
      ? { memberId: member, fundSource: 'CURRENT_YEAR', idempotencyKey: key('money') }
      : { relationshipId: 'no-such-relationship', fundSource: 'CURRENT_YEAR', idempotencyKey: key('money') };
  const inputType = field === 'creditContribution' ? 'CreditContributionInput' : 'TransferQuotaInput';
  const selection = field === 'creditContribution' ? 'amount' : 'id';
  const literal = () =>
    Object.entries(rest())
      .map(([k, v]) => (k === 'fundSource' ? `${k}: ${v}` : `${k}: ${JSON.stringify(v)}`))
      .join(', ');
  return [
    {
      form: 'literal',
      query: `mutation { ${field}(input: { ${literal()}, amount: ${JSON.stringify(amount)} }) { ${selection} } }`,
      variables: {},
    },
    {
      form: 'variable',
      query: `mutation($amount: Money!) { ${field}(input: { ${literal()}, amount: $amount }) { ${selection} } }`,
      variables: { amount },
    },
    {
      form: 'input variable',
      query: `mutation($input: ${inputType}!) { ${field}(input: $input) { ${selection} } }`,
      variables: { input: { ...rest(), amount } },
    },
  ];
}

describe('a bad Money value: INVALID_AMOUNT, HTTP 400, literal or variable, gateway or subgraph', () => {
  test('every bad amount, every form, every endpoint; nothing changes', async () => {
    const portal = await cluster.token({ portal: '32' });
    const endpoints = [
      { name: 'gateway', url: cluster.gatewayUrl, fields: ['creditContribution', 'transferQuota'] as const },
      {
        name: 'province 32 directly',
        url: `${cluster.provinces.get('32')?.baseUrl}/graphql`,
        fields: ['creditContribution'] as const,
      },
      { name: 'national directly', url: `${cluster.national.baseUrl}/graphql`, fields: ['transferQuota'] as const },
    ];
    const before = await moneySnapshot(cluster);
    for (const endpoint of endpoints) {
      for (const field of endpoint.fields) {
        for (const [amount, why] of BAD) {
          for (const { form, query, variables } of forms(field, amount)) {
            const what = `${JSON.stringify(amount)} as a ${form} of ${field} at the ${endpoint.name}`;
            const answer = await post(endpoint.url, portal, query, variables);
            assert.equal(answer.status, 400, `${what}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
            assert.deepEqual(
              answer.body.errors?.map((e) => e.extensions?.code),
              ['INVALID_AMOUNT'],
              `${what}: ${JSON.stringify(answer.body)}`,
            );
            assert.match(answer.body.errors?.[0].message ?? '', why, what);
            assert.equal(answer.body.errors?.[0].extensions?.stacktrace, undefined);
            assert.equal(answer.body.data ?? null, null, what);
          }
        }
      }
    }
    assert.deepEqual(await moneySnapshot(cluster), before, 'nothing changed');
  });

  test('a wrong enum is refused with the same HTTP status as a wrong amount', async () => {
    const portal = await cluster.token({ portal: '32' });
    const answer = await post(
      cluster.gatewayUrl,
      portal,
      `mutation { creditContribution(input: { memberId: "${member}", fundSource: NOPE, amount: "1.00", idempotencyKey: "${key('enum')}" }) { amount } }`,
    );
    assert.equal(answer.status, 400);
    assert.deepEqual(
      answer.body.errors?.map((e) => e.extensions?.code),
      ['GRAPHQL_VALIDATION_FAILED'],
    );
  });

  test('the forms accepted: digits with no, one or two decimals, as a literal or a variable', async () => {
    const portal = cluster.as({ portal: '32' });
    for (const [amount, credited] of [
      ['236', '236.00'],
      ['0.5', '0.50'],
      ['10.25', '10.25'],
    ]) {
      for (const { form, query, variables } of forms('creditContribution', amount).slice(0, 2)) {
        const data = await portal.ok(query, variables);
        assert.equal(data.creditContribution.amount, credited, `${amount} as a ${form}`);
      }
    }
  });
});
