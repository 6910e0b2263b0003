import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { enrol, relate, startTestCluster, type TestCluster, transfer } from './support/cluster-fixture';
import { deploymentState, driftedImpostor, eventually, whileDown } from './support/provinces-down';

/**
 * Partial answers: a figure or list that spans provinces keeps every answering province's data when
 * one is down or has drifted, and marks what is missing with an error at its path; never
 * `data: null` for all. `provinces` without `connectedOnly` answers the running provinces' figures
 * and says, by `connected: false` and null figures, which provinces run no deployment.
 */
let cluster: TestCluster;
const m: Record<string, string> = {};

before(async () => {
  cluster = await startTestCluster(['32', '13', '51']);
  m.son = await enrol(cluster, { region: '320500', name: '伍强', currentYear: '3600.00' });
  m.father = await enrol(cluster, { region: '510100', name: '伍敏', type: 'RESIDENT' });
  m.hebei = await enrol(cluster, { region: '130100', name: '张丽', currentYear: '900.00' });
  assert.equal((await transfer(cluster, await relate(cluster, m.son, m.father), '500.00')).errors, undefined);
});

after(async () => {
  await cluster?.stop();
});

const FIGURES = `query($connectedOnly: Boolean!) { provinces(connectedOnly: $connectedOnly, page: { first: 40 }) {
  edges { node { code name connected memberCount employeeCount personalAccountBalance heldForQuotas } } } }`;
interface Figures {
  code: string;
  name: string;
  connected: boolean;
  memberCount: number | null;
  heldForQuotas: string | null;
}
type FiguresData = { provinces: { edges: { node: Figures }[] } };
const nodes = (data: FiguresData | null | undefined) => (data?.provinces.edges ?? []).map((e) => e.node);

test("with every province up: the running provinces' figures, the others plainly not running, and no error", async () => {
  const all = await cluster.as('dashboard').query<FiguresData>(FIGURES, { connectedOnly: false });
  assert.equal(all.errors, undefined, JSON.stringify(all.errors));
  const provinces = nodes(all.data);
  assert.equal(provinces.length, 31, "every province of the registry (the mainland's 31)");
  for (const p of provinces) {
    const running = ['32', '13', '51'].includes(p.code);
    assert.equal(p.connected, running, p.code);
    assert.equal(p.memberCount === null, !running, `${p.code}: figures exactly for the running provinces`);
  }
  assert.equal(provinces.find((p) => p.code === '32')?.heldForQuotas, '500.00');
});

test("with a province down: the others' figures, the down one's null with an error at its path; never data: null", async () => {
  await whileDown(cluster, '51', async () => {
    for (const connectedOnly of [true, false]) {
      const response = await cluster.as('dashboard').query<FiguresData>(FIGURES, { connectedOnly });
      const provinces = nodes(response.data);
      assert.ok(provinces.length >= 3, 'data is not null');
      const down = provinces.findIndex((p) => p.code === '51');
      assert.deepEqual(
        { ...provinces[down], name: undefined },
        {
          code: '51',
          name: undefined,
          connected: true,
          memberCount: null,
          employeeCount: null,
          personalAccountBalance: null,
          heldForQuotas: null,
        },
      );
      assert.equal(provinces.find((p) => p.code === '32')?.memberCount, 1);
      assert.equal(provinces.find((p) => p.code === '13')?.memberCount, 1);
      assert.deepEqual(
        response.errors?.map((e) => [e.extensions?.code, e.extensions?.province, e.path]),
        [['PROVINCE_UNAVAILABLE', '51', ['provinces', 'edges', down, 'node']]],
      );
      assert.match(response.errors?.[0].message ?? '', /Province 51 is not answering/);
    }
    // A member page across two provinces: national's part and the answering province's part stay.
    const page = await cluster.as({ portal: '51' }).query(
      `query($id: ID!) { member(id: $id) { id name status wallet { activatedAt }
      relationshipsAsBeneficiary { edges { node { donor { id } quota { granted } } } } } }`,
      { id: m.father },
    );
    assert.equal(page.data?.member?.id, m.father);
    assert.equal(page.data?.member?.name, null);
    assert.ok(page.data?.member?.wallet?.activatedAt);
    assert.equal(page.data?.member?.relationshipsAsBeneficiary.edges[0].node.quota.granted, '500.00');
    assert.deepEqual(
      page.errors?.map((e) => [e.extensions?.code, e.path]),
      [['PROVINCE_UNAVAILABLE', ['member']]],
    );
  });
  assert.equal(
    nodes(await cluster.as('dashboard').ok<FiguresData>(FIGURES, { connectedOnly: true })).find((p) => p.code === '51')
      ?.memberCount,
    1,
  );
});

test('a drifted deployment is not used: its figures are null with an error, the others answer', async () => {
  const hebei = cluster.provinces.get('13');
  assert.ok(hebei);
  await hebei.stop();
  const impostor = await driftedImpostor(hebei.port, [{ memberCount: 999 }]);
  try {
    await eventually(async () => (await deploymentState(cluster, '13')) === 'drifted', 'the gateway sees the drift');
    const response = await cluster.as('dashboard').query<FiguresData>(FIGURES, { connectedOnly: true });
    const provinces = nodes(response.data);
    assert.deepEqual(
      provinces.map((p) => [p.code, p.memberCount]),
      [
        ['13', null],
        ['32', 1],
        ['51', 1],
      ],
    );
    assert.deepEqual(
      response.errors?.map((e) => [e.extensions?.code, e.extensions?.province, e.path]),
      [['PROVINCE_UNAVAILABLE', '13', ['provinces', 'edges', 0, 'node']]],
    );
    assert.match(response.errors?.[0].message ?? '', /different province schema/);
  } finally {
    await new Promise<void>((resolve) => impostor.close(() => resolve()));
  }
  await cluster.restart('13');
  await eventually(async () => (await deploymentState(cluster, '13')) === 'healthy', 'province 13 healthy again');
});
