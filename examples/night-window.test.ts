import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { beijingTime, type Cluster, idNumber, startTestCluster } from 'medical-wallet-federation/testing';

let platform: Cluster;
before(async () => {
  platform = await startTestCluster({ provinces: ['32', '13', '51'], clock: beijingTime('09:00:00') });
});
after(() => platform.stop());

test('the night window starts at 22:00:00 Beijing time', async () => {
  const enrol = (portal: string, input: object) =>
    platform.as({ portal }).ok('mutation($i: EnrollMemberInput!) { enrollMember(input: $i) { id } }', { i: input });
  const son = (
    await enrol('32', {
      idNumber: idNumber('32050519880808001'),
      name: '周明',
      insuranceType: 'EMPLOYEE',
      poolingRegion: '320500',
    })
  ).enrollMember.id;
  const father = (
    await enrol('51', {
      idNumber: idNumber('51010519580303001'),
      name: '周父',
      insuranceType: 'RESIDENT',
      poolingRegion: '510100',
    })
  ).enrollMember.id;
  await platform
    .as({ portal: '32' })
    .ok(
      'mutation { creditContribution(input: { memberId: "' +
        son +
        '", fundSource: CURRENT_YEAR, amount: "800.00", idempotencyKey: "credit-0001" }) { amount } }',
    );
  for (const [member, region] of [
    [son, '320500'],
    [father, '510100'],
  ]) {
    await platform
      .as({ member })
      .ok('mutation($i: ActivateWalletInput!) { activateWallet(input: $i) { activatedAt } }', {
        i: { memberId: member, phone: '13800001111', placeOfUse: region },
      });
  }
  const rel = (
    await platform
      .as({ member: son })
      .ok('mutation($i: EstablishMutualAidInput!) { establishMutualAid(input: $i) { id } }', {
        i: {
          donorId: son,
          beneficiaryId: father,
          relation: 'PARENT',
          channel: 'NATIONAL_APP',
          commitment: { version: '2024-v1', signedAt: beijingTime('08:00:00').toISOString() },
        },
      })
  ).establishMutualAid.id;
  await platform
    .as({ member: father })
    .ok('mutation($i: ConfirmMutualAidInput!) { confirmMutualAid(input: $i) { status } }', {
      i: { relationshipId: rel, channel: 'NATIONAL_APP' },
    });
  const transfer = (key: string) =>
    platform.as({ member: son }).query('mutation($i: TransferQuotaInput!) { transferQuota(input: $i) { state } }', {
      i: { relationshipId: rel, amount: '100.00', fundSource: 'CURRENT_YEAR', idempotencyKey: key },
    });

  await platform.setClock(beijingTime('21:59:59'));
  assert.equal((await transfer('evening-0001')).data?.transferQuota.state, 'COMMITTED');
  await platform.setClock(beijingTime('22:00:00'));
  assert.equal((await transfer('night-0001')).errors?.[0].extensions?.code, 'NIGHT_WINDOW');

  await platform.kill('national');
  await platform.restart('national');
  assert.equal((await transfer('evening-0001')).data?.transferQuota.state, 'COMMITTED'); // R21: the same answer
  assert.ok(
    (await platform.as('dashboard').ok('{ provinces(connectedOnly: true) { edges { node { code } } } }')).provinces,
  );
  for (const report of Object.values(await platform.reconcile())) assert.equal(report.balanced, true);
});
