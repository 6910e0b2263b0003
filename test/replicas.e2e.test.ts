import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { answerText, type Outcome, send } from '../chaos/requests';
import {
  ACCEPT,
  balanced,
  beijingTime,
  enrol,
  exitSignal,
  key,
  relate,
  SETTLE,
  hospital,
  startTestCluster,
  TRANSFER,
  type TestCluster,
} from './support/cluster-fixture';

/**
 * Every service as two processes on one database (the province of the donors too), behind one
 * address each: answers per key stay one, R24's daily limit holds across copies, conservation
 * (R20) holds, a copy of national killed in the middle of operations leaves the surviving copy to
 * finish what is in doubt, and the R25 06:00 return happens once however many copies run it.
 */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(
    ['32', '51'],
    undefined,
    { RECOVERY_INTERVAL_MS: '300', RECOVERY_GRACE_SECONDS: '1' },
    {
      replicas: { gateway: 2, national: 2, '32': 2 },
    },
  );
});

after(async () => {
  await cluster?.stop();
});

const outcome = async (who: { member: string }, query: string, variables: Record<string, unknown>): Promise<Outcome> =>
  send(cluster.gatewayUrl, await cluster.token(who), { who, document: query, variables });

async function family(balance = '1000.00'): Promise<{ donor: string; beneficiary: string; relationship: string }> {
  const donor = await enrol(cluster, { region: '320500', currentYear: balance });
  const beneficiary = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  return { donor, beneficiary, relationship: await relate(cluster, donor, beneficiary) };
}

const settleInput = (beneficiaryId: string, amount: string, idempotencyKey: string) => ({
  input: {
    beneficiaryId,
    institution: hospital('510100'),
    category: 'OUTPATIENT',
    amount,
    credential: { method: 'E_CODE', holderId: beneficiaryId },
    idempotencyKey,
  },
});

test('every service runs as two copies behind one address', () => {
  assert.deepEqual(cluster.copiesOf('national'), ['national#1', 'national#2']);
  assert.deepEqual(cluster.copiesOf('gateway'), ['gateway#1', 'gateway#2']);
  assert.deepEqual(cluster.copiesOf('32'), ['32#1', '32#2']);
  assert.deepEqual(cluster.copiesOf('51'), ['51']);
  const pids = new Set(
    ['national#1', 'national#2', 'gateway#1', 'gateway#2', '32#1', '32#2'].map((c) => cluster.processOf(c)?.child.pid),
  );
  assert.equal(pids.size, 6, 'six processes');
});

test('copies under one key get one answer, different keys are counted across copies (R21, R24), and R20 holds', async () => {
  const { donor, beneficiary, relationship } = await family();
  const one = key('same');
  const copies = await Promise.all(
    Array.from({ length: 6 }, () =>
      outcome({ member: donor }, TRANSFER, {
        input: { relationshipId: relationship, amount: '100.00', fundSource: 'CURRENT_YEAR', idempotencyKey: one },
      }),
    ),
  );
  assert.equal(
    new Set(copies.map(answerText)).size,
    1,
    `one answer for one key: ${copies.map(answerText).join(' | ')}`,
  );
  assert.equal(copies[0].kind, 'answer');

  // R24: three transfers a day per donor wallet; two are left, whichever copy of national each reaches.
  const different = await Promise.all(
    Array.from({ length: 5 }, () =>
      outcome({ member: donor }, TRANSFER, {
        input: {
          relationshipId: relationship,
          amount: '50.00',
          fundSource: 'CURRENT_YEAR',
          idempotencyKey: key('diff'),
        },
      }),
    ),
  );
  const answered = different.filter((o) => o.kind === 'answer');
  const limited = different.filter((o) => o.kind === 'refused' && o.code === 'DAILY_TRANSFER_LIMIT');
  assert.deepEqual([answered.length, limited.length], [2, 3], different.map(answerText).join(' | '));

  const transferIds = [copies[0], ...answered].map((o) =>
    o.kind === 'answer' ? (o.data.transferQuota as { id: string }).id : '',
  );
  for (const id of transferIds) await cluster.as({ member: beneficiary }).ok(ACCEPT, { id });

  // Settlements: one key sent four times at once, and three more keys at once.
  const settleKey = key('settle');
  const sameSettlement = await Promise.all(
    Array.from({ length: 4 }, () =>
      outcome({ member: beneficiary }, SETTLE, settleInput(beneficiary, '30.00', settleKey)),
    ),
  );
  assert.equal(new Set(sameSettlement.map(answerText)).size, 1, sameSettlement.map(answerText).join(' | '));
  const others = await Promise.all(
    Array.from({ length: 3 }, () =>
      outcome({ member: beneficiary }, SETTLE, settleInput(beneficiary, '20.00', key('settle'))),
    ),
  );
  assert.ok(
    others.every((o) => o.kind === 'answer'),
    others.map(answerText).join(' | '),
  );

  await cluster.waitUntilQuiet();
  const [account] = await cluster.sql<{ balance: string; held: string }>(
    '32',
    `SELECT balance, held FROM account WHERE member_id = $1 AND fund_source = 'CURRENT_YEAR'`,
    [donor],
  );
  // 1000.00 - (30 + 3 × 20) spent; 200.00 set, 90.00 of it spent.
  assert.deepEqual(account, { balance: '91000', held: '11000' });
  await balanced(cluster);
});

test('a copy of national killed in the middle of operations: the other copy answers and finishes what is in doubt', {
  timeout: 10 * 60_000,
}, async () => {
  const families = await Promise.all(Array.from({ length: 8 }, () => family('500.00')));
  // national#1 dies at its next transfer, after the hold is placed and before the quota is committed.
  await cluster.restart('national#1', { CRASH_AT: 'commitTransfer:before' });
  const sent: { who: { member: string }; variables: Record<string, unknown>; outcome: Outcome }[] = [];
  const transferOf = (f: (typeof families)[number]) => {
    const variables = {
      input: {
        relationshipId: f.relationship,
        amount: '10.00',
        fundSource: 'CURRENT_YEAR',
        idempotencyKey: key('kill'),
      },
    };
    return outcome({ member: f.donor }, TRANSFER, variables).then((o) =>
      sent.push({ who: { member: f.donor }, variables, outcome: o }),
    );
  };
  // Rounds of concurrent transfers (each donor may make three a day) until the copy has died.
  const copy = cluster.processOf('national#1');
  for (let round = 0; round < 2 && copy?.child.exitCode === null && copy.child.signalCode === null; round++) {
    await Promise.all(families.map(transferOf));
  }
  assert.equal(await exitSignal(copy), 'SIGKILL', 'national#1 was reached by a transfer and died');
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the fronts and the gateways' connection pools notice

  // Requests sent now reach only the surviving copy: every one succeeds.
  const afterKill = await Promise.all(
    families.map((f) =>
      outcome({ member: f.donor }, TRANSFER, {
        input: {
          relationshipId: f.relationship,
          amount: '10.00',
          fundSource: 'CURRENT_YEAR',
          idempotencyKey: key('after'),
        },
      }),
    ),
  );
  assert.ok(
    afterKill.every((o) => o.kind === 'answer'),
    afterKill.map((o) => answerText(o) || (o as { why: string }).why).join(' | '),
  );

  // What was in doubt is finished by recovery in national#2 (national#1 stays down), and its key then answers.
  const inDoubt = sent.filter((s) => s.outcome.kind === 'unknown');
  assert.ok(inDoubt.length >= 1, 'the transfer that killed national#1 is in doubt');
  assert.ok(
    sent.every((s) => s.outcome.kind !== 'refused'),
    sent.map((s) => answerText(s.outcome)).join(' | '),
  );
  await cluster.waitUntilQuiet(120_000);
  for (const request of inDoubt) {
    const final = await outcome(request.who, TRANSFER, request.variables);
    assert.equal(final.kind, 'answer', `in doubt, then final: ${answerText(final) || (final as { why: string }).why}`);
  }
  const [pending] = await cluster.sql<{ n: number }>(
    'national',
    `SELECT count(*)::int AS n FROM transfer WHERE state = 'PENDING'`,
  );
  assert.equal(pending.n, 0);
  await cluster.restart('national#1');
  await balanced(cluster);
});

test("R25's 06:00 return happens once with two copies of national running the return job", {
  timeout: 5 * 60_000,
}, async () => {
  const { donor, relationship } = await family('300.00');
  const sent = await cluster.as({ member: donor }).ok(TRANSFER, {
    input: {
      relationshipId: relationship,
      amount: '120.00',
      fundSource: 'CURRENT_YEAR',
      idempotencyKey: key('unaccepted'),
    },
  });
  const id = sent.transferQuota.id as string;
  await cluster.waitUntilQuiet();
  await cluster.setClock(beijingTime('06:00:05', { days: 1 }));
  // Both copies' workers run every 300 ms; wait for the return, then for several more rounds.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [row] = await cluster.sql<{ returned: boolean }>(
      'national',
      `SELECT returned_at IS NOT NULL AS returned FROM transfer WHERE id = $1`,
      [id],
    );
    if (row.returned) break;
    assert.ok(Date.now() < deadline, 'the transfer was returned');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await cluster.waitUntilQuiet();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const [steps] = await cluster.sql<{ n: number }>(
    'national',
    `SELECT count(*)::int AS n FROM province_step WHERE operation_id = $1`,
    [`return:${id}`],
  );
  const [events] = await cluster.sql<{ n: number }>(
    'national',
    `SELECT count(*)::int AS n FROM wallet_event WHERE kind = 'TRANSFER_RETURNED' AND transfer_id = $1`,
    [id],
  );
  const [released] = await cluster.sql<{ n: number; amount: string }>(
    '32',
    `SELECT count(*)::int AS n, coalesce(sum(-held_delta), 0)::text AS amount FROM account_entry WHERE kind = 'HOLD_RELEASED' AND hold_id = $1`,
    [id],
  );
  assert.deepEqual(
    [steps.n, events.n, released],
    [1, 2, { n: 1, amount: '12000' }],
    'one return (told to both members), one release of the whole 120.00',
  );
  await balanced(cluster);
});
