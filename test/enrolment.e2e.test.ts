import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  codes,
  internal,
  newIdNumber,
  startTestCluster,
  type TestCluster,
  uncheckedClient,
} from './support/cluster-fixture';

/** Enrolment: refusals change nothing; a person is insured in exactly one pooling region. */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(['32', '51']);
});

after(async () => {
  await cluster?.stop();
});

const ENROL = `mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id name maskedIdNumber insuranceType } }`;

/** The portal of the province of a pooling region: the one who enrols and credits its members. */
const portalOf = (region: string) => cluster.as({ portal: region.slice(0, 2) });

async function counts(): Promise<number[]> {
  const [persons] = await cluster.sql<{ n: string }>('national', `SELECT count(*) AS n FROM person`);
  const [m32] = await cluster.sql<{ n: string }>('32', `SELECT count(*) AS n FROM member`);
  const [m51] = await cluster.sql<{ n: string }>('51', `SELECT count(*) AS n FROM member`);
  const [accounts] = await cluster.sql<{ n: string }>('32', `SELECT count(*) AS n FROM account`);
  return [persons.n, m32.n, m51.n, accounts.n].map(Number);
}

describe('enrolment', () => {
  test('enrols an employee with an account and shows the ID number masked', async () => {
    const idNumber = newIdNumber();
    const { enrollMember } = await portalOf('320500').ok(ENROL, {
      input: { idNumber, name: '伍强', insuranceType: 'EMPLOYEE', poolingRegion: '320500' },
    });
    assert.match(enrollMember.id, /^320500-\d{8}$/);
    assert.equal(enrollMember.maskedIdNumber, `${idNumber.slice(0, 3)}***********${idNumber.slice(-4)}`);
    const byIdNumber = await portalOf('320500').ok(`query($n: String!) { memberByIdNumber(idNumber: $n) { id } }`, {
      n: idNumber,
    });
    assert.equal(byIdNumber.memberByIdNumber.id, enrollMember.id);
    const again = await portalOf('320500').ok(ENROL, {
      input: { idNumber, name: '伍强', insuranceType: 'EMPLOYEE', poolingRegion: '320500' },
    });
    assert.equal(again.enrollMember.id, enrollMember.id, 'the same enrolment again returns the same member');
  });

  const refusals: [string, Record<string, string>, string][] = [
    ['a wrong check character', { idNumber: newIdNumber().slice(0, 17) + 'Y' }, 'INVALID_ID_NUMBER'],
    ['an ID number of 17 characters', { idNumber: newIdNumber().slice(0, 17) }, 'INVALID_ID_NUMBER'],
    ['an unknown pooling region', { poolingRegion: '329900' }, 'UNKNOWN_POOLING_REGION'],
    ['a region of a province that is not running', { poolingRegion: '130100' }, 'PROVINCE_UNAVAILABLE'],
    ['a name with markup', { name: '<script>alert(1)</script>' }, 'INVALID_NAME'],
  ];
  for (const [what, change, code] of refusals) {
    test(`refuses ${what} with ${code} and writes nothing`, async () => {
      const before = await counts();
      const input = {
        idNumber: newIdNumber(),
        name: '测试',
        insuranceType: 'EMPLOYEE',
        poolingRegion: '320500',
        ...change,
      };
      const response = await portalOf(input.poolingRegion).query(ENROL, { input });
      assert.deepEqual(codes(response), [code]);
      assert.deepEqual(await counts(), before);
    });
  }

  test('refuses a second pooling region for an insured person (ALREADY_ENROLLED)', async () => {
    const idNumber = newIdNumber();
    await portalOf('320100').ok(ENROL, {
      input: { idNumber, name: '张丽', insuranceType: 'EMPLOYEE', poolingRegion: '320100' },
    });
    const before = await counts();
    const response = await portalOf('510100').query(ENROL, {
      input: { idNumber, name: '张丽', insuranceType: 'RESIDENT', poolingRegion: '510100' },
    });
    assert.deepEqual(codes(response), ['ALREADY_ENROLLED']);
    assert.deepEqual(await counts(), before);
  });

  test('a province refuses a pooling region of another province (REGION_OF_OTHER_PROVINCE)', async () => {
    const before = await counts();
    const province32 = internal(cluster, cluster.provinces.get('32')?.baseUrl ?? '', 'national');
    await assert.rejects(
      province32.call('enrol', {
        idNumber: newIdNumber(),
        name: '测试',
        insuranceType: 'EMPLOYEE',
        poolingRegion: '510100',
      }),
      (error: { extensions?: { code?: string } }) => error.extensions?.code === 'REGION_OF_OTHER_PROVINCE',
    );
    assert.deepEqual(await counts(), before);
  });

  test('internal operations refuse a caller without the service credential', async () => {
    const url = cluster.provinces.get('32')?.baseUrl ?? '';
    const before = await counts();
    // Not a token at all, and a valid token of the graph that is not the service credential.
    for (const credential of [
      { token: async () => 'not-the-token' },
      { token: () => cluster.token({ portal: '32' }) },
    ]) {
      await assert.rejects(
        uncheckedClient(url, credential).call('enrol', {
          idNumber: newIdNumber(),
          name: '测试',
          insuranceType: 'EMPLOYEE',
          poolingRegion: '320500',
        }),
      );
    }
    assert.deepEqual(await counts(), before);
  });
});

describe('personal account', () => {
  test('R21: a contribution replayed with the same key is credited once; another body is refused', async () => {
    const { enrollMember } = await portalOf('510100').ok(ENROL, {
      input: { idNumber: newIdNumber(), name: '陈刚', insuranceType: 'EMPLOYEE', poolingRegion: '510100' },
    });
    const credit = (amount: string) =>
      portalOf('510100').query(
        `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount member { personalAccount { balance } } } }`,
        {
          input: { memberId: enrollMember.id, amount, idempotencyKey: 'contribution-2026-11' },
        },
      );
    const first = await credit('300.00');
    const replay = await credit('300.00');
    assert.deepEqual(replay.data?.creditContribution.amount, first.data?.creditContribution.amount);
    assert.equal(replay.data?.creditContribution.member.personalAccount.balance, '300.00');
    const changed = await credit('301.00');
    assert.deepEqual(codes(changed), ['IDEMPOTENCY_CONFLICT']);
    const entries = await cluster.sql('51', `SELECT * FROM account_entry WHERE member_id = $1`, [enrollMember.id]);
    assert.equal(entries.length, 1);
  });

  test('R12: amounts must be positive whole fen; a resident has no account to credit', async () => {
    const { enrollMember: resident } = await portalOf('510100').ok(ENROL, {
      input: { idNumber: newIdNumber(), name: '伍敏', insuranceType: 'RESIDENT', poolingRegion: '510100' },
    });
    const credit = (memberId: string, amount: string, key: string) =>
      portalOf('510100').query(
        `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`,
        {
          input: { memberId, amount, idempotencyKey: key },
        },
      );
    assert.deepEqual(codes(await credit(resident.id, '10.00', 'resident-credit')), ['NO_PERSONAL_ACCOUNT']);
    for (const amount of ['-1.00', '0.00', '1.001', '1e3', '99999999999999']) {
      const response = await credit(resident.id, amount, `bad-amount-${amount.length}`);
      assert.deepEqual(codes(response), ['INVALID_AMOUNT'], amount);
    }
  });

  test('spending from the own account pays current year first, all or nothing', async () => {
    const { enrollMember } = await portalOf('320100').ok(ENROL, {
      input: { idNumber: newIdNumber(), name: '刘芳', insuranceType: 'EMPLOYEE', poolingRegion: '320100' },
    });
    for (const [fundSource, amount] of [
      ['CURRENT_YEAR', '50.00'],
      ['ACCUMULATED', '100.00'],
    ]) {
      await portalOf('320100').ok(
        `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`,
        {
          input: { memberId: enrollMember.id, fundSource, amount, idempotencyKey: `spend-seed-${fundSource}` },
        },
      );
    }
    // The member pays from their own account.
    const spend = (amount: string, key: string) =>
      cluster.as({ member: enrollMember.id }).query(
        `mutation($input: SpendFromOwnAccountInput!) { spendFromOwnAccount(input: $input) {
        amount fromCurrentYear fromAccumulated member { personalAccount { balance currentYear { balance } } } } }`,
        {
          input: { memberId: enrollMember.id, amount, idempotencyKey: key },
        },
      );
    const paid = await spend('80.00', 'spend-80');
    assert.deepEqual(
      [paid.data?.spendFromOwnAccount.fromCurrentYear, paid.data?.spendFromOwnAccount.fromAccumulated],
      ['50.00', '30.00'],
    );
    assert.equal(paid.data?.spendFromOwnAccount.member.personalAccount.balance, '70.00');
    assert.deepEqual(codes(await spend('70.01', 'spend-too-much')), ['INSUFFICIENT_BALANCE']);
    const [account] = await cluster.sql<{ total: string }>(
      '32',
      `SELECT sum(balance) AS total FROM account WHERE member_id = $1`,
      [enrollMember.id],
    );
    assert.equal(account.total, '7000');
  });
});
