import type { DataSource } from 'typeorm';

/** A difference R20 names because national has had the province book a movement its ledger lacks. */
export const MISSING_ENTRY = 'entry missing:';

/** Keeps the outcome of a province's reconciliation as its last one (the metrics read it). */
export async function keepReconciliation(
  db: DataSource,
  report: { province: string; checkedAt: Date; differences: string[] },
): Promise<void> {
  await db.query(
    `INSERT INTO reconciliation_result (province, checked_at, differences, missing_entries) VALUES ($1, $2, $3, $4)
     ON CONFLICT (province) DO UPDATE SET checked_at = excluded.checked_at, differences = excluded.differences, missing_entries = excluded.missing_entries`,
    [
      report.province,
      report.checkedAt,
      report.differences.length,
      report.differences.filter((d) => d.startsWith(MISSING_ENTRY)).length,
    ],
  );
}

export interface LastReconciliation {
  province: string;
  differences: number;
  missingEntries: number;
  ageSeconds: number;
}

/** The last reconciliation of every province that has had one, and how long ago it ran by `now`. */
export async function lastReconciliations(db: DataSource, now: Date): Promise<LastReconciliation[]> {
  const rows = (await db.query(
    `SELECT province, checked_at, differences, missing_entries FROM reconciliation_result`,
  )) as {
    province: string;
    checked_at: Date;
    differences: number;
    missing_entries: number;
  }[];
  return rows.map((r) => ({
    province: r.province,
    differences: r.differences,
    missingEntries: r.missing_entries,
    ageSeconds: Math.max(0, (now.getTime() - r.checked_at.getTime()) / 1000),
  }));
}
