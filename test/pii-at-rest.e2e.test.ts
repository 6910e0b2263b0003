import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DataSource } from 'typeorm';
import { graphql } from '../cluster/graphql-client';
import { keyEncryptionKeyFile } from '../cluster/keys';
import { Role } from '../subgraphs/common/platform/auth/caller';
import { newKeyPair } from '../subgraphs/common/platform/auth/keys';
import { issueToken } from '../subgraphs/common/platform/auth/tokens';
import { readKeyEncryptionKeyFile } from '../subgraphs/common/platform/crypto/key-encryption-key';
import { PersonalDataKeys } from '../subgraphs/common/platform/crypto/personal-data-keys';
import { valuesUnderOldKeys } from '../subgraphs/common/platform/crypto/sealed-columns';
import type { CryptoSuite } from '../subgraphs/common/platform/crypto/suite';
import { withCheckCharacter } from '../subgraphs/common/domain/id-number';
import { SEALED_PERSON_ID_NUMBER } from '../subgraphs/national/persons/person-id-number';
import { SEALED_PHONE } from '../subgraphs/national/wallets/wallets';
import { SEALED_ID_NUMBER } from '../subgraphs/province/members/members';
import { codes, key, letter, startTestCluster, type TestCluster, TRANSFER } from './support/cluster-fixture';

/**
 * Personal data at rest, in both suites: after enrolments, wallets and transfers, no database
 * holds a person's ID number or phone number in plain text (the provinces' members, national's
 * person index and wallets); every lookup by ID number still works; a rotation of the data keys while transfers
 * run loses nothing; a wrong or missing key-encryption key stops a deployment at start; a caller
 * token of the other suite is refused everywhere.
 */
const PEOPLE = [
  {
    idNumber: withCheckCharacter('32050219800101123'),
    phone: '13812340001',
    region: '320500',
    name: '伍强',
    type: 'EMPLOYEE',
  },
  {
    idNumber: withCheckCharacter('51010419550202456'),
    phone: '13812340002',
    region: '510100',
    name: '伍敏',
    type: 'RESIDENT',
  },
  {
    idNumber: withCheckCharacter('32050219820303789'),
    phone: '13812340003',
    region: '320500',
    name: '李娜',
    type: 'EMPLOYEE',
  },
] as const;

/** Every row of every table of a database, as text: what a dump of its data holds. */
async function everyRowAsText(cluster: TestCluster, service: string): Promise<string> {
  const tables = await cluster.sql<{ name: string }>(
    service,
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const [row] = await cluster.sql<{ text: string | null }>(
      service,
      `SELECT string_agg(t::text, E'\\n') AS text FROM ${name} t`,
    );
    parts.push(row.text ?? '');
  }
  return parts.join('\n');
}

async function dataSource(url: string): Promise<DataSource> {
  return new DataSource({ type: 'postgres', url }).initialize();
}

for (const suite of ['international', 'gm'] as const satisfies readonly CryptoSuite[]) {
  describe(`the ${suite} suite`, () => {
    let cluster: TestCluster;
    const ids: string[] = [];

    before(async () => {
      cluster = await startTestCluster(
        ['32', '51'],
        undefined,
        {},
        { cryptoSuite: suite, serviceEnv: { PII_RESEAL_INTERVAL_MS: '300' } },
      );
      for (const person of PEOPLE) {
        const portal = cluster.as({ portal: person.region.slice(0, 2) });
        const { enrollMember } = await portal.ok<{ enrollMember: { id: string } }>(
          `mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`,
          {
            input: {
              idNumber: person.idNumber,
              name: person.name,
              insuranceType: person.type,
              poolingRegion: person.region,
            },
          },
        );
        ids.push(enrollMember.id);
        if (person.type === 'EMPLOYEE') {
          await portal.ok(
            `mutation($input: CreditContributionInput!) { creditContribution(input: $input) { amount } }`,
            {
              input: {
                memberId: enrollMember.id,
                fundSource: 'CURRENT_YEAR',
                amount: '500.00',
                idempotencyKey: key('credit'),
              },
            },
          );
        }
        await cluster
          .as({ member: enrollMember.id })
          .ok(`mutation($input: ActivateWalletInput!) { activateWallet(input: $input) { activatedAt } }`, {
            input: { memberId: enrollMember.id, phone: person.phone, placeOfUse: person.region },
          });
      }
    });

    after(async () => {
      await cluster?.stop();
    });

    test("every lookup by ID number works: the portal's search, national's person index, enrolment again", async () => {
      for (const [i, person] of PEOPLE.entries()) {
        const province = person.region.slice(0, 2);
        const portal = cluster.as({ portal: province });
        const found = await portal.ok(
          `query($p: ID!, $n: String!) { members(province: $p, filter: { idNumber: $n }) { edges { node { id } } } }`,
          { p: province, n: person.idNumber.toLowerCase() },
        );
        assert.deepEqual(
          found.members.edges.map((e: { node: unknown }) => e.node),
          [{ id: ids[i] }],
        );
        const indexed = await portal.ok(
          `query($n: String!) { memberByIdNumber(idNumber: $n) { id wallet { maskedPhone } } }`,
          { n: person.idNumber },
        );
        assert.deepEqual(indexed.memberByIdNumber, {
          id: ids[i],
          wallet: { maskedPhone: `${person.phone.slice(0, 3)}****${person.phone.slice(-4)}` },
        });
        const again = await portal.ok(`mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`, {
          input: {
            idNumber: person.idNumber,
            name: person.name,
            insuranceType: person.type,
            poolingRegion: person.region,
          },
        });
        assert.equal(
          again.enrollMember.id,
          ids[i],
          'the same enrolment again is the same member (found by its blind index)',
        );
      }
      const twice = await cluster
        .as({ portal: '32' })
        .query(`mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }`, {
          input: {
            idNumber: PEOPLE[0].idNumber,
            name: PEOPLE[0].name,
            insuranceType: 'RESIDENT',
            poolingRegion: '320500',
          },
        });
      assert.deepEqual(codes(twice), ['ALREADY_ENROLLED']);
    });

    test('a rotation of the data keys while transfers run loses nothing', async () => {
      // Two donors (a donor makes at most 3 transfers a day), each aiding the same parent.
      const relationships: string[] = [];
      for (const donor of [ids[0], ids[2]]) {
        const rel = await cluster
          .as({ member: donor })
          .ok(`mutation($input: EstablishMutualAidInput!) { establishMutualAid(input: $input) { id } }`, {
            input: {
              donorId: donor,
              beneficiaryId: ids[1],
              relation: 'PARENT',
              channel: 'NATIONAL_APP',
              commitment: letter(),
            },
          });
        await cluster
          .as({ member: ids[1] })
          .ok(`mutation($input: ConfirmMutualAidInput!) { confirmMutualAid(input: $input) { id } }`, {
            input: { relationshipId: rel.establishMutualAid.id, channel: 'NATIONAL_APP' },
          });
        relationships.push(rel.establishMutualAid.id as string);
      }
      const opened: { db: DataSource; keys: PersonalDataKeys; columns: (typeof SEALED_PHONE)[] }[] = [];
      const sealedColumns = [
        ['32', 'province-32', [SEALED_ID_NUMBER]],
        ['51', 'province-51', [SEALED_ID_NUMBER]],
        ['national', 'national', [SEALED_PHONE, SEALED_PERSON_ID_NUMBER]],
      ] as const;
      for (const [service, deployment, columns] of sealedColumns) {
        const db = await dataSource(cluster.databaseUrls[service]);
        const keys = await PersonalDataKeys.open(
          db,
          readKeyEncryptionKeyFile(keyEncryptionKeyFile(cluster.keysDir, deployment), suite),
          suite,
        );
        opened.push({ db, keys, columns: [...columns] });
      }
      try {
        const transfers = [0, 0, 0, 1, 1, 1].map((r) =>
          cluster.as({ member: r === 0 ? ids[0] : ids[2] }).ok(TRANSFER, {
            input: {
              relationshipId: relationships[r],
              amount: '1.00',
              fundSource: 'CURRENT_YEAR',
              idempotencyKey: key('rotation'),
            },
          }),
        );
        for (const { db, keys } of opened) await keys.rotate(db);
        const done = await Promise.all(transfers);
        assert.ok(done.every((d) => d.transferQuota.state === 'COMMITTED' || d.transferQuota.state === 'PENDING'));
        await cluster.waitUntilQuiet();
        for (const { db, keys, columns } of opened) {
          const deadline = Date.now() + 60_000;
          while ((await valuesUnderOldKeys(db, keys, columns)) > 0) {
            assert.ok(Date.now() < deadline, 'the services seal every value again with the new key');
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
      } finally {
        for (const { db } of opened) await db.destroy();
      }
      for (const donor of [ids[0], ids[2]]) {
        const page = await cluster
          .as({ member: donor })
          .ok(`query($id: ID!) { member(id: $id) { personalAccount { available held } } }`, { id: donor });
        assert.deepEqual(
          [page.member.personalAccount.available, page.member.personalAccount.held],
          ['497.00', '3.00'],
          donor,
        );
      }
      for (const [i, person] of PEOPLE.entries()) {
        const page = await cluster
          .as({ member: ids[i] })
          .ok(`query($id: ID!) { member(id: $id) { idNumber wallet { maskedPhone } } }`, { id: ids[i] });
        assert.deepEqual(
          [page.member.idNumber, page.member.wallet.maskedPhone],
          [person.idNumber, `${person.phone.slice(0, 3)}****${person.phone.slice(-4)}`],
        );
      }
    });

    test('no database holds an ID number or a phone number in plain text', async () => {
      for (const service of ['32', '51', 'national']) {
        const text = await everyRowAsText(cluster, service);
        assert.ok(text.length > 1000, `${service}: the data was read`);
        for (const person of PEOPLE)
          assert.ok(
            !text.includes(person.idNumber) && !text.includes(person.idNumber.slice(0, 17)),
            `${service} holds ${person.idNumber}`,
          );
      }
      const national = await everyRowAsText(cluster, 'national');
      for (const person of PEOPLE) assert.ok(!national.includes(person.phone), `national holds ${person.phone}`);
    });

    test("national's person index made before encryption is sealed in place while it serves (the data migration)", async () => {
      const person = PEOPLE[1];
      // As a database from before encryption holds it: the plain ID number is the row's key, in the person index and its ended memberships.
      await cluster.sql(
        'national',
        `UPDATE person SET id_number = $2, id_number_sealed = NULL, id_number_key = NULL WHERE member_id = $1`,
        [ids[1], person.idNumber],
      );
      // Until it is sealed, national reads the plain row as it is.
      const unsealed = await cluster
        .as({ member: ids[1] })
        .ok(`query($id: ID!) { member(id: $id) { idNumber } }`, { id: ids[1] });
      assert.equal(unsealed.member.idNumber, person.idNumber);
      const deadline = Date.now() + 60_000;
      while (
        (await cluster.sql('national', `SELECT 1 FROM person WHERE id_number = $1`, [person.idNumber])).length > 0
      ) {
        assert.ok(Date.now() < deadline, 'national seals the plain ID number in place');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const found = await cluster
        .as({ portal: '51' })
        .ok(`query($n: String!) { memberByIdNumber(idNumber: $n) { id } }`, { n: person.idNumber });
      assert.deepEqual(found.memberByIdNumber, { id: ids[1] });
      const page = await cluster
        .as({ member: ids[1] })
        .ok(`query($id: ID!) { member(id: $id) { idNumber } }`, { id: ids[1] });
      assert.equal(page.member.idNumber, person.idNumber);
    });

    test("a caller token of the other suite is refused by every deployment, even under the identity provider's kid", async () => {
      const stranger = await newKeyPair(
        cluster.identity.privateJwk.kid as string,
        suite === 'gm' ? 'international' : 'gm',
      );
      const token = await issueToken(
        { privateJwk: stranger.privateJwk },
        { role: Role.NATIONAL_DASHBOARD, subject: 'dashboard' },
      );
      for (const url of [
        cluster.gatewayUrl,
        `${cluster.national.baseUrl}/graphql`,
        ...[...cluster.provinces.values()].map((p) => `${p.baseUrl}/graphql`),
      ]) {
        assert.deepEqual(
          codes(await graphql(url, '{ __typename }', {}, { authorization: `Bearer ${token}` })),
          ['UNAUTHENTICATED'],
          url,
        );
      }
    });

    test('a wrong or missing key-encryption key stops a deployment at start, with the reason', async () => {
      const wrong = join(cluster.keysDir, 'wrong.kek');
      writeFileSync(wrong, `${'ab'.repeat(32)}\n`, { mode: 0o600 });
      await assert.rejects(cluster.restart('32', { PII_KEK_FILE: wrong }), /does not open data key/);
      await assert.rejects(cluster.restart('32', { PII_KEK_FILE: '' }), /PII_KEK_FILE is needed/);
      chmodSync(wrong, 0o644);
      await assert.rejects(cluster.restart('32', { PII_KEK_FILE: wrong }), /may be read by others/);
      await cluster.restart('32');
      const page = await cluster
        .as({ member: ids[0] })
        .ok(`query($id: ID!) { member(id: $id) { idNumber } }`, { id: ids[0] });
      assert.equal(page.member.idNumber, PEOPLE[0].idNumber);
    });
  });
}
