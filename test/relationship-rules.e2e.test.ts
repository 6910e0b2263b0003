import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  codes,
  CONFIRM,
  DISSOLVE,
  enrol,
  ESTABLISH,
  key,
  letter,
  moneySnapshot,
  parties,
  reconciliation,
  startTestCluster,
  type TestCluster,
  type Who,
} from './support/cluster-fixture';

/** R1–R8 through the gateway: each rule accepted where it should be, refused where not. */
let cluster: TestCluster;
const m: Record<string, string> = {};

before(async () => {
  cluster = await startTestCluster(['32', '13', '51']);
  m.donor = await enrol(cluster, { region: '320500', currentYear: '1000.00' });
  m.father = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  m.mother = await enrol(cluster, { region: '510100', type: 'RESIDENT' });
  m.noWallet = await enrol(cluster, { region: '510100', type: 'RESIDENT', wallet: false });
  m.mianyang = await enrol(cluster, { region: '510700', type: 'RESIDENT' });
  m.resident32 = await enrol(cluster, { region: '320100', type: 'RESIDENT' });
  m.baoding = await enrol(cluster, { region: '130600', currentYear: '100.00' });
  m.chengduEmployee = await enrol(cluster, { region: '510100', currentYear: '100.00' });
  m.shijiazhuang = await enrol(cluster, { region: '130100', type: 'RESIDENT' });
  m.ended = await enrol(cluster, { region: '320100', type: 'RESIDENT' });
  await cluster.sql('32', `UPDATE member SET status = 'ENDED' WHERE id = $1`, [m.ended]);
});

after(async () => {
  await cluster?.stop();
});

const input = (overrides: Record<string, unknown>) => ({
  donorId: m.donor,
  beneficiaryId: m.father,
  relation: 'PARENT',
  channel: 'NATIONAL_APP',
  commitment: letter(),
  ...overrides,
});

/** The donor registers it in the app, unless someone else (a window operator) is named. */
const registrar = (request: Record<string, unknown>, who?: Who) =>
  cluster.as(who ?? { member: String(request.donorId) });

async function refused(overrides: Record<string, unknown>, code: string, who?: Who): Promise<void> {
  const before = await moneySnapshot(cluster);
  const request = input(overrides);
  const response = await registrar(request, who).query(ESTABLISH, { input: request });
  assert.deepEqual(codes(response), [code]);
  assert.ok((response.errors?.[0].message.length ?? 0) > 20, 'a message a clerk can read');
  assert.deepEqual(await moneySnapshot(cluster), before, 'a refusal changes nothing');
}

async function established(overrides: Record<string, unknown>, who?: Who): Promise<string> {
  const request = input(overrides);
  const response = await registrar(request, who).query(ESTABLISH, { input: request });
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data?.establishMutualAid.id;
}

/** The donor ends it in the app. */
const dissolve = async (relationshipId: string) =>
  cluster
    .as({ member: (await parties(cluster, relationshipId)).donor })
    .ok(DISSOLVE, { input: { relationshipId, channel: 'NATIONAL_APP' } });

describe('relationships', () => {
  test('R1: a resident cannot be a donor', () =>
    refused({ donorId: m.resident32, beneficiaryId: m.donor, relation: 'CHILD' }, 'DONOR_NOT_EMPLOYEE'));

  test('R2: the beneficiary must be insured', () =>
    refused({ beneficiaryId: m.ended, relation: 'SIBLING' }, 'MEMBER_NOT_INSURED'));

  test('R2: a beneficiary of any province and either scheme is accepted', async () => {
    await dissolve(await established({ beneficiaryId: m.chengduEmployee, relation: 'SIBLING' }));
    await dissolve(await established({ beneficiaryId: m.shijiazhuang, relation: 'SONS_CHILD' }));
  });

  test('R3: every close relative is accepted', async () => {
    for (const relation of [
      'SPOUSE',
      'PARENT',
      'CHILD',
      'SIBLING',
      'PATERNAL_GRANDPARENT',
      'MATERNAL_GRANDPARENT',
      'SONS_CHILD',
      'DAUGHTERS_CHILD',
    ]) {
      await dissolve(await established({ relation }));
    }
  });

  for (const relation of ['COUSIN', 'UNCLE_OR_AUNT', 'PARENT_IN_LAW', 'OTHER']) {
    test(`R3: a ${relation} is not a close relative`, () => refused({ relation }, 'NOT_CLOSE_RELATIVE'));
  }

  test('R3: never the donor themself', () => refused({ beneficiaryId: m.donor }, 'SELF_AID_FORBIDDEN'));

  test('R4: the commitment letter is required, signed, not in the future', async () => {
    await refused({ commitment: null }, 'COMMITMENT_REQUIRED');
    await refused({ commitment: { version: ' ', signedAt: new Date().toISOString() } }, 'COMMITMENT_REQUIRED');
    await refused(
      { commitment: { version: 'v1', signedAt: new Date(Date.now() + 86_400_000).toISOString() } },
      'COMMITMENT_REQUIRED',
    );
    const id = await established({ commitment: { version: '2024-v1', signedAt: '2026-11-01T08:00:00.000Z' } });
    const data = await cluster
      .as({ member: m.donor })
      .ok(`query($id: ID!) { relationship(id: $id) { commitment { version signedAt } } }`, { id });
    assert.deepEqual(data.relationship.commitment, { version: '2024-v1', signedAt: '2026-11-01T08:00:00.000Z' });
    await dissolve(id);
  });

  test('R5: both wallets are activated before a cross-province relationship', () =>
    refused({ beneficiaryId: m.noWallet }, 'WALLET_NOT_ACTIVATED'));

  test('R6: a member cannot claim the agency window', async () => {
    await refused({ channel: 'AGENCY_WINDOW', operatorId: 'SZ-0042' }, 'FORBIDDEN');
    await refused({ channel: 'AGENCY_WINDOW' }, 'FORBIDDEN');
  });

  test("R6: at a window the operator is recorded from the operator's token", async () => {
    const operator: Who = { operator: 'SZ-0042', province: '32' };
    const id = await established({ channel: 'NATIONAL_APP', operatorId: 'someone-else' }, operator);
    const data = await cluster
      .as(operator)
      .ok(`query($id: ID!) { relationship(id: $id) { channel operatorId } }`, { id });
    assert.deepEqual(data.relationship, { channel: 'AGENCY_WINDOW', operatorId: 'SZ-0042' });
    const ended = await cluster
      .as({ member: m.donor })
      .query(DISSOLVE, { input: { relationshipId: id, channel: 'AGENCY_WINDOW', operatorId: 'SZ-0042' } });
    assert.deepEqual(codes(ended), ['FORBIDDEN'], 'only an operator acts at a window');
    await cluster.as(operator).ok(DISSOLVE, { input: { relationshipId: id, channel: 'AGENCY_WINDOW' } });
    const [recorded] = await cluster.sql(
      'national',
      `SELECT status, dissolution_channel, dissolution_operator FROM relationship WHERE id = $1`,
      [id],
    );
    assert.deepEqual(recorded, {
      status: 'DISSOLVED',
      dissolution_channel: 'AGENCY_WINDOW',
      dissolution_operator: 'SZ-0042',
    });
  });

  test('R6: the channel of the app is recorded, with no operator', async () => {
    const id = await established({ channel: 'NATIONAL_APP', operatorId: 'SZ-0042' });
    const data = await cluster
      .as({ member: m.donor })
      .ok(`query($id: ID!) { relationship(id: $id) { channel operatorId } }`, { id });
    assert.deepEqual(data.relationship, { channel: 'NATIONAL_APP', operatorId: null });
    await dissolve(id);
  });

  test('R7: many-to-many, but one active relationship per pair', async () => {
    const toFather = await established({ beneficiaryId: m.father });
    const toMother = await established({ beneficiaryId: m.mother, relation: 'PARENT' });
    const fromSibling = await established({ donorId: m.chengduEmployee, beneficiaryId: m.father, relation: 'SIBLING' });
    // The same pair again: it awaits the beneficiary's consent (R27); once confirmed, it is active.
    await refused({ beneficiaryId: m.father, relation: 'PARENT' }, 'RELATIONSHIP_AWAITING_CONSENT');
    await cluster
      .as({ member: m.father })
      .ok(CONFIRM, { input: { relationshipId: toFather, channel: 'NATIONAL_APP' } });
    await refused({ beneficiaryId: m.father, relation: 'PARENT' }, 'RELATIONSHIP_ALREADY_ACTIVE');
    const father = await cluster
      .as({ member: m.father })
      .ok(`query($id: ID!) { member(id: $id) { relationshipsAsBeneficiary { edges { node { id } } } } }`, {
        id: m.father,
      });
    const ids = father.member.relationshipsAsBeneficiary.edges.map((e: { node: { id: string } }) => e.node.id);
    assert.ok(ids.includes(toFather) && ids.includes(fromSibling));
    for (const id of [toFather, toMother, fromSibling]) await dissolve(id);
    await dissolve(await established({ beneficiaryId: m.father }));
  });

  test('R7: concurrent registrations of one pair make exactly one relationship', async () => {
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        cluster.as({ member: m.donor }).query(ESTABLISH, { input: input({ beneficiaryId: m.mother }) }),
      ),
    );
    const made = responses.filter((r) => !r.errors);
    assert.equal(made.length, 1);
    assert.ok(
      responses.filter((r) => r.errors).every((r) => codes(r)[0] === 'RELATIONSHIP_AWAITING_CONSENT'),
      'the one made awaits consent',
    );
    await dissolve(made[0].data?.establishMutualAid.id);
  });

  test('R8: across provinces both regions must be in the pilot', () =>
    refused({ beneficiaryId: m.mianyang }, 'CROSS_PROVINCE_NOT_ENABLED'));

  test('R8: within one province, aid across pooling regions is always allowed', async () => {
    await dissolve(await established({ donorId: m.baoding, beneficiaryId: m.shijiazhuang, relation: 'CHILD' }));
  });

  test('unknown members and relationships are refused clearly', async () => {
    await refused({ beneficiaryId: '510100-99999999' }, 'MEMBER_NOT_FOUND');
    const response = await cluster
      .as({ member: m.donor })
      .query(DISSOLVE, { input: { relationshipId: key('nothing'), channel: 'NATIONAL_APP' } });
    assert.deepEqual(codes(response), ['RELATIONSHIP_NOT_FOUND']);
  });

  test('R20 holds in every province after all of the above', async () => {
    for (const province of ['32', '13', '51'])
      assert.deepEqual((await reconciliation(cluster, province)).differences, []);
  });
});
