import { DataSource } from 'typeorm';
import type { Cluster } from '../../cluster/cluster';
import type { TestCluster } from './cluster-fixture';
import { keyEncryptionKeyFile } from '../../cluster/keys';
import { readKeyEncryptionKeyFile } from '../../subgraphs/common/platform/crypto/key-encryption-key';
import { PersonalDataKeys } from '../../subgraphs/common/platform/crypto/personal-data-keys';
import { personKeyOf } from '../../subgraphs/national/persons/person-id-number';

/**
 * National's person index keeps no ID number in plain text: a test finds a person's row by their
 * key (the blind index, made with national's data keys) and a member's ID number through the API.
 */
export async function personKeyIn(cluster: Cluster, idNumber: string): Promise<string> {
  const db = await new DataSource({ type: 'postgres', url: cluster.databaseUrls.national }).initialize();
  try {
    const kek = readKeyEncryptionKeyFile(keyEncryptionKeyFile(cluster.keysDir, 'national'), cluster.cryptoSuite);
    return personKeyOf(await PersonalDataKeys.open(db, kek, cluster.cryptoSuite), idNumber);
  } finally {
    await db.destroy();
  }
}

/** A member's ID number, as the member's own page shows it. */
export async function idNumberOf(cluster: Pick<TestCluster, 'as'>, memberId: string): Promise<string> {
  const page = await cluster
    .as({ member: memberId })
    .ok<{ member: { idNumber: string } }>(`query($id: ID!) { member(id: $id) { idNumber } }`, { id: memberId });
  return page.member.idNumber;
}
