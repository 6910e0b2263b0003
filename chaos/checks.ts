import { Client } from 'pg';
import type { Cluster } from '../cluster/cluster';
import { fenFromDb, formatYuan } from '../subgraphs/common/domain/money';
import { clearing, type Family, type Member, provinceOf, quotaFigures } from './model';
import { DOCUMENTS } from './requests';
import type { Platform } from './world';

/**
 * What the run checks once every answer is known and recovery is quiet: the platform against the
 * model built from acknowledged answers (R20 in every province, every balance and hold, quota per
 * relationship, the clearing report), and that nothing exists that no acknowledged operation made.
 */
export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

async function sql<Row>(cluster: Cluster, service: string, text: string, params: unknown[] = []): Promise<Row[]> {
  const client = new Client({ connectionString: cluster.databaseUrls[service] });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as Row[];
  } finally {
    await client.end();
  }
}

const check = (name: string, problems: string[]): Check => ({
  name,
  ok: problems.length === 0,
  detail: problems.length ? `${problems.length}: ${problems.slice(0, 5).join('; ')}` : undefined,
});

/** Waits until recovery has nothing left to finish (the kit's waitUntilQuiet); how long it took. */
export async function quiesce(
  cluster: Cluster,
  timeoutMs = 120_000,
): Promise<{ ms: number; quiet: boolean; left?: string }> {
  const started = Date.now();
  try {
    await cluster.waitUntilQuiet(timeoutMs);
    return { ms: Date.now() - started, quiet: true };
  } catch (error) {
    return { ms: Date.now() - started, quiet: false, left: (error as Error).message };
  }
}

export async function finalChecks(
  p: Platform,
  families: Family[],
  provinces: string[],
  frauds: number,
  period: { from: Date; to: Date },
): Promise<Check[]> {
  const { cluster } = p;
  const checks: Check[] = [];

  for (const province of provinces) {
    const outcome = await p.settle({
      who: { portal: province },
      document: DOCUMENTS.reconcile,
      variables: { p: province },
    });
    const report =
      outcome.kind === 'answer'
        ? (outcome.data.reconciliation as { balanced: boolean; differences: string[] })
        : undefined;
    checks.push(
      check(`R20 reconciliation of province ${province}`, report ? report.differences : [JSON.stringify(outcome)]),
    );
  }

  // Every account, by fund source, as the model has it.
  const members = new Map<string, Member>();
  for (const f of families) for (const m of [f.donor, f.beneficiary, ...f.former]) if (m.account) members.set(m.id, m);
  const accountProblems: string[] = [];
  for (const province of provinces) {
    const rows = await sql<{
      member_id: string;
      fund_source: 'CURRENT_YEAR' | 'ACCUMULATED';
      balance: string;
      held: string;
    }>(cluster, province, `SELECT member_id, fund_source, balance, held FROM account`);
    for (const row of rows) {
      const fund = members.get(row.member_id)?.account?.[row.fund_source];
      if (!fund) continue;
      if (fenFromDb(row.balance) !== fund.balance || fenFromDb(row.held) !== fund.held) {
        accountProblems.push(
          `${row.member_id} ${row.fund_source}: ${formatYuan(fenFromDb(row.balance))}/${formatYuan(fenFromDb(row.held))} held, model ${formatYuan(fund.balance)}/${formatYuan(fund.held)}`,
        );
      }
    }
  }
  checks.push(check('every balance and hold, by fund source, equals the model', accountProblems));

  // Quota per relationship, as the donor reads it in the graph.
  const quotaProblems: string[] = [];
  for (const family of families) {
    for (const relationship of family.relationships) {
      // As the portal of the donor's province when it was registered (a donor who moved has a new membership).
      const outcome = await p.settle({
        who: { portal: provinceOf(relationship.donorId) },
        document: DOCUMENTS.quota,
        variables: { id: relationship.id },
      });
      const quota =
        outcome.kind === 'answer' ? (outcome.data.relationship as { quota: Record<string, string> }).quota : undefined;
      const expected = Object.fromEntries(
        Object.entries(quotaFigures(family, relationship.id)).map(([k, v]) => [k, formatYuan(v)]),
      );
      if (JSON.stringify(quota) !== JSON.stringify(expected))
        quotaProblems.push(`${relationship.id}: ${JSON.stringify(quota)}, model ${JSON.stringify(expected)}`);
    }
  }
  checks.push(check('quota of every relationship equals the model', quotaProblems));

  // R22: the clearing report for the run's period.
  const report = await p.settle({
    who: 'dashboard',
    document: DOCUMENTS.clearing,
    variables: { from: period.from.toISOString(), to: period.to.toISOString() },
  });
  const lines =
    report.kind === 'answer'
      ? (
          report.data.clearingReport as {
            lines: { debtor: { code: string }; creditor: { code: string }; amount: string }[];
          }
        ).lines
      : [];
  const reported = new Map<string, string>(
    lines.filter((l) => l.amount !== '0.00').map((l) => [`${l.debtor.code}->${l.creditor.code}`, l.amount]),
  );
  const expected = new Map([...clearing(families)].filter(([, v]) => v !== 0n).map(([k, v]) => [k, formatYuan(v)]));
  const clearingProblems = [...new Set([...reported.keys(), ...expected.keys()])]
    .filter((pair) => reported.get(pair) !== expected.get(pair))
    .map((pair) => `${pair}: reported ${reported.get(pair) ?? '0.00'}, model ${expected.get(pair) ?? '0.00'}`);
  if (report.kind !== 'answer') clearingProblems.push(JSON.stringify(report));
  checks.push(check('R22 clearing report equals the model', clearingProblems));

  // Nothing that no acknowledged operation made.
  const lots = new Set(families.flatMap((f) => f.lots.map((l) => l.transferId)));
  const settlements = new Set(families.flatMap((f) => f.settlements.map((s) => s.id)));
  const transfers = await sql<{ id: string }>(cluster, 'national', `SELECT id FROM transfer WHERE state = 'COMMITTED'`);
  const settled = await sql<{ id: string }>(cluster, 'national', `SELECT id FROM settlement`);
  const [refunds] = await sql<{ n: number }>(cluster, 'national', `SELECT count(*)::int AS n FROM refund`);
  const modelRefunds = families.flatMap((f) => f.settlements).reduce((n, s) => n + s.refunds, 0);
  const strays = [
    ...transfers.filter((t) => !lots.delete(t.id)).map((t) => `transfer ${t.id} acknowledged to nobody`),
    ...[...lots].map((id) => `acknowledged transfer ${id} not committed`),
    ...settled.filter((s) => !settlements.delete(s.id)).map((s) => `settlement ${s.id} acknowledged to nobody`),
    ...[...settlements].map((id) => `acknowledged settlement ${id} missing`),
    ...(refunds.n === modelRefunds ? [] : [`${refunds.n} refunds recorded, ${modelRefunds} acknowledged`]),
  ];
  checks.push(check('no record without an acknowledged operation', strays));

  const [fraud] = await sql<{ n: number }>(cluster, 'national', `SELECT count(*)::int AS n FROM suspected_fraud`);
  checks.push(
    check(
      'R28: one suspected fraud per attempt',
      fraud.n === frauds ? [] : [`${fraud.n} recorded, ${frauds} attempts`],
    ),
  );
  return checks;
}
