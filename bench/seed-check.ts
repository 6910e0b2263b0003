import { Client } from 'pg';
import { graphqlOk } from '../cluster/graphql-client';
import { isValidIdNumber } from '../subgraphs/common/domain/id-number';
import { isMemberId } from '../subgraphs/common/domain/routing-keys';
import { HOLD_FEN, type SeedShape } from './seed-people';
import { SETTLEMENTS_PER_DONOR } from './seed-settlements';

/**
 * Proves the bulk-loaded data is consistent before anything is measured: the national side's own
 * reconciliation (R20) of every province, and the invariants the loader promised. Throws on any
 * difference, so a bench never reports figures over a broken data set.
 */
const RECONCILE = `query($p: ID!) { reconciliation(province: $p) { balanced differences heldInProvince unspentQuota } }`;

interface Reconciliation {
  balanced: boolean;
  differences: string[];
  heldInProvince: string;
  unspentQuota: string;
}

async function rows<Row>(url: string, text: string): Promise<Row[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as Row[];
  } finally {
    await client.end();
  }
}

export async function checkSeed(
  gatewayUrl: string,
  databaseUrls: Record<string, string>,
  provinces: string[],
  shape: SeedShape,
  dashboard: Record<string, string>,
): Promise<void> {
  const problems: string[] = [];
  for (const province of provinces) {
    const { reconciliation } = await graphqlOk<{ reconciliation: Reconciliation }>(
      gatewayUrl,
      RECONCILE,
      { p: province },
      dashboard,
    );
    if (!reconciliation.balanced || reconciliation.differences.length > 0) {
      problems.push(`province ${province} does not reconcile: ${reconciliation.differences.slice(0, 5).join('; ')}`);
    }
    const expectedHeld = (HOLD_FEN * BigInt(shape.donors)) / 100n;
    if (reconciliation.heldInProvince !== `${expectedHeld}.00`) {
      problems.push(`province ${province} holds ${reconciliation.heldInProvince} yuan, expected ${expectedHeld}.00`);
    }
    const [sequence] = await rows<{ last_value: string }>(
      databaseUrls[province],
      'SELECT last_value FROM member_number',
    );
    if (BigInt(sequence.last_value) < BigInt(shape.members))
      problems.push(`province ${province}: member_number not advanced`);
  }
  const national = databaseUrls.national;
  const [counts] = await rows<{ persons: string; distinct_ids: string }>(
    national,
    'SELECT count(*) AS persons, count(DISTINCT id_number) AS distinct_ids FROM person',
  );
  if (Number(counts.persons) !== shape.members * provinces.length || counts.persons !== counts.distinct_ids) {
    problems.push(
      `person rows: ${counts.persons}, distinct ID numbers ${counts.distinct_ids}, expected ${shape.members * provinces.length}`,
    );
  }
  const sample = await rows<{ id_number: string; member_id: string }>(
    national,
    'SELECT id_number, member_id FROM person ORDER BY random() LIMIT 5000',
  );
  // National seals the bulk-loaded ID numbers in the background: a row holds the plain number or already the person's key (its blind index).
  const personKey = /^[0-9a-f]{64}$/;
  const badIds = sample.filter(
    (p) => !(isValidIdNumber(p.id_number) || personKey.test(p.id_number)) || !isMemberId(p.member_id),
  );
  if (sample.length === 0 || badIds.length > 0) {
    problems.push(
      `invalid ID numbers or member ids in the person index: ${badIds
        .slice(0, 3)
        .map((p) => p.id_number)
        .join(', ')}`,
    );
  }
  const [aid] = await rows<{ settled: string }>(
    national,
    `SELECT count(*) AS settled FROM settlement WHERE state = 'SETTLED' AND idempotency_key LIKE 'bench-settlement-%'`,
  );
  const expectedSettlements = shape.donors * SETTLEMENTS_PER_DONOR * provinces.length;
  if (Number(aid.settled) !== expectedSettlements)
    problems.push(`${aid.settled} past settlements settled, expected ${expectedSettlements}`);
  if (problems.length > 0) throw new Error(`The seeded data set is not consistent:\n- ${problems.join('\n- ')}`);
}
