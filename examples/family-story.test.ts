import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { beijingTime, type Cluster, idNumber, startTestCluster } from 'medical-wallet-federation/testing';

/**
 * An example of a test written from outside, with the public kit only: a family across two
 * provinces, the night window (R24) at its boundary, and quota not accepted by 06:00 going back to
 * the donor (R25) by moving the platform clock; then national is killed and restarted, and every
 * province reconciles (R20).
 */
let platform: Cluster;

before(async () => {
  platform = await startTestCluster({ provinces: ['32', '51'], clock: beijingTime('09:00:00') });
});

after(async () => {
  await platform?.stop();
});

const ENROL = 'mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }';
const CREDIT = 'mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }';
const WALLET = 'mutation($input: ActivateWalletInput!) { activateWallet(input: $input) { activatedAt } }';
const TRANSFER = 'mutation($input: TransferQuotaInput!) { transferQuota(input: $input) { id state acceptBy } }';
const ACCOUNT = 'query($id: ID!) { member(id: $id) { personalAccount { balance held available } } }';

test('a son in 苏州 sets quota for his father in 成都; not accepted by 06:00, it goes back to him', async () => {
  // The provinces' portals enrol them; the son's contributions are credited; each opens his wallet.
  const son = (
    await platform.as({ portal: '32' }).ok(ENROL, {
      input: {
        idNumber: idNumber('32050519880808001'),
        name: '周明',
        insuranceType: 'EMPLOYEE',
        poolingRegion: '320500',
      },
    })
  ).enrollMember.id;
  const father = (
    await platform.as({ portal: '51' }).ok(ENROL, {
      input: {
        idNumber: idNumber('51010519580303001'),
        name: '周父',
        insuranceType: 'RESIDENT',
        poolingRegion: '510100',
      },
    })
  ).enrollMember.id;
  await platform.as({ portal: '32' }).ok(CREDIT, {
    input: { memberId: son, fundSource: 'CURRENT_YEAR', amount: '800.00', idempotencyKey: 'example-credit-1' },
  });
  for (const [member, region] of [
    [son, '320500'],
    [father, '510100'],
  ]) {
    await platform.as({ member }).ok(WALLET, { input: { memberId: member, phone: '13800001111', placeOfUse: region } });
  }

  // The son registers the relationship; his father consents (R27).
  const relationship = (
    await platform
      .as({ member: son })
      .ok(`mutation($input: EstablishMutualAidInput!) { establishMutualAid(input: $input) { id } }`, {
        input: {
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
    .ok(`mutation($input: ConfirmMutualAidInput!) { confirmMutualAid(input: $input) { status } }`, {
      input: { relationshipId: relationship, channel: 'NATIONAL_APP' },
    });

  // R24: 21:59:59 is still day, 22:00:00 is night.
  const transfer = (key: string) =>
    platform.as({ member: son }).query(TRANSFER, {
      input: { relationshipId: relationship, amount: '300.00', fundSource: 'CURRENT_YEAR', idempotencyKey: key },
    });
  await platform.setClock(beijingTime('21:59:59'));
  const sent = await transfer('example-transfer-evening');
  assert.equal(sent.data?.transferQuota.state, 'COMMITTED');
  await platform.setClock(beijingTime('22:00:00'));
  assert.equal((await transfer('example-transfer-night')).errors?.[0].extensions?.code, 'NIGHT_WINDOW');
  assert.deepEqual((await platform.as({ member: son }).ok(ACCOUNT, { id: son })).member.personalAccount, {
    balance: '800.00',
    held: '300.00',
    available: '500.00',
  });

  // R25: nobody accepts it; at 06:00 the next day it goes back to the son.
  await platform.setClock(beijingTime('05:59:59', { days: 1 }));
  await platform.waitUntilQuiet();
  assert.equal(
    (await platform.as({ member: son }).ok(ACCOUNT, { id: son })).member.personalAccount.held,
    '300.00',
    'not yet',
  );
  await platform.advanceClock(1000);
  await platform.waitUntilQuiet();
  assert.deepEqual((await platform.as({ member: son }).ok(ACCOUNT, { id: son })).member.personalAccount, {
    balance: '800.00',
    held: '0.00',
    available: '800.00',
  });
  const late = await platform
    .as({ member: father })
    .query('mutation($id: ID!) { acceptTransfer(transferId: $id) { id } }', { id: sent.data?.transferQuota.id });
  assert.equal(late.errors?.[0].extensions?.code, 'ACCEPTANCE_EXPIRED');

  // National is killed and comes back on its port and database; the answer to a key does not change (R21).
  await platform.kill('national');
  await platform.restart('national');
  assert.equal((await transfer('example-transfer-evening')).data?.transferQuota.id, sent.data?.transferQuota.id);
  for (const [province, report] of Object.entries(await platform.reconcile()))
    assert.deepEqual(report.differences, [], `R20 in ${province}`);
});
