import { Client } from 'pg';
import { regionOfMemberId } from '../subgraphs/common/domain/routing-keys';

/**
 * A seeded relationship, read back from the national database: the donor is an employee with a
 * personal account and a wallet; the beneficiary a resident of the next province with 500.00 yuan
 * of accepted quota from them.
 */
export interface AidPair {
  relationshipId: string;
  donorId: string;
  beneficiaryId: string;
  /** Where the beneficiary is insured, and treated. */
  beneficiaryRegion: string;
}

/** A fixed shuffle, so that consecutive operations touch different provinces and rows. */
function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  let seed = 20_240_601;
  for (let i = copy.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

export async function readAidPairs(nationalUrl: string): Promise<AidPair[]> {
  const client = new Client({ connectionString: nationalUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; donor_id: string; beneficiary_id: string }>(
      `SELECT id, donor_id, beneficiary_id FROM relationship WHERE status = 'ACTIVE' ORDER BY id`,
    );
    return shuffled(rows).map((r) => ({
      relationshipId: r.id,
      donorId: r.donor_id,
      beneficiaryId: r.beneficiary_id,
      beneficiaryRegion: regionOfMemberId(r.beneficiary_id) as string,
    }));
  } finally {
    await client.end();
  }
}
