import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { graphql } from '../cluster/graphql-client';
import { privateKeyFile } from '../cluster/keys';
import { Role } from '../subgraphs/common/platform/auth/caller';
import { newKeyPair } from '../subgraphs/common/platform/auth/keys';
import { issueToken } from '../subgraphs/common/platform/auth/tokens';
import { codes, enrol, relate, startTestCluster, type TestCluster, transfer } from './support/cluster-fixture';

/**
 * A whole cluster of the `gm` suite: the identity provider and every deployment sign with SM2, a
 * family's transfer crosses national and two provinces on SM2 service tokens, and an Ed25519 token,
 * even one naming the identity provider's own kid, is refused.
 */
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster(['32', '51'], undefined, {}, { cryptoSuite: 'gm' });
});

after(async () => {
  await cluster?.stop();
});

test('every key of a gm cluster is an SM2 key', () => {
  for (const name of ['gateway', 'national', 'province-32', 'province-51']) {
    const jwk = JSON.parse(readFileSync(privateKeyFile(cluster.keysDir, name), 'utf8')) as Record<string, string>;
    assert.deepEqual([jwk.kty, jwk.crv, jwk.alg], ['EC', 'SM2', 'SM2SM3'], name);
  }
  assert.equal(cluster.identity.privateJwk.crv, 'SM2');
});

test('enrolment, a relationship and a transfer across provinces run on SM2 tokens', async () => {
  const son = await enrol(cluster, { region: '320500', name: '伍强', currentYear: '500.00' });
  const father = await enrol(cluster, { region: '510100', name: '伍敏', type: 'RESIDENT' });
  const relationship = await relate(cluster, son, father);
  const response = await transfer(cluster, relationship, '120.00');
  assert.equal(response.errors, undefined);
  const page = await cluster
    .as({ member: son })
    .ok('query($id: ID!) { member(id: $id) { personalAccount { available held } } }', { id: son });
  assert.deepEqual([page.member.personalAccount.available, page.member.personalAccount.held], ['380.00', '120.00']);
});

test('an Ed25519 token is refused by every deployment of a gm cluster, even under the real kid', async () => {
  const ed = await newKeyPair(cluster.identity.privateJwk.kid as string, 'international');
  const token = await issueToken(
    { privateJwk: ed.privateJwk },
    { role: Role.NATIONAL_DASHBOARD, subject: 'dashboard' },
  );
  const response = await graphql(
    cluster.gatewayUrl,
    '{ provinces { edges { node { code } } } }',
    {},
    { authorization: `Bearer ${token}` },
  );
  assert.deepEqual(codes(response), ['UNAUTHENTICATED']);
  for (const service of [cluster.national, ...cluster.provinces.values()]) {
    const direct = await graphql(
      `${service.baseUrl}/graphql`,
      '{ __typename }',
      {},
      { authorization: `Bearer ${token}` },
    );
    assert.deepEqual(codes(direct), ['UNAUTHENTICATED'], service.baseUrl);
  }
  const good = await issueToken(cluster.identity, { role: Role.NATIONAL_DASHBOARD, subject: 'dashboard' });
  assert.equal(
    (
      await graphql(
        cluster.gatewayUrl,
        '{ provinces { edges { node { code } } } }',
        {},
        { authorization: `Bearer ${good}` },
      )
    ).errors,
    undefined,
  );
});
