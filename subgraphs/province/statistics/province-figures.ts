import type { DataSource } from 'typeorm';
import { type Fen, fenFromDb } from '../../common/domain/money';
import type { UnfoldedRows } from '../../common/platform/observability/metrics';

export interface ProvinceFigures {
  memberCount: number;
  employeeCount: number;
  residentCount: number;
  accountBalance: Fen;
  held: Fen;
}

interface FigureRow {
  members: string;
  employees: string;
  balance: string;
  held: string;
}

const toFigures = (row: FigureRow): ProvinceFigures => {
  const members = Number(row.members);
  const employees = Number(row.employees);
  return {
    memberCount: members,
    employeeCount: employees,
    residentCount: members - employees,
    accountBalance: fenFromDb(row.balance),
    held: fenFromDb(row.held),
  };
};

/**
 * The figures the national fan-out reads: kept by triggers as members and accounts change
 * (migration KeptFigures), so reading them costs a few rows, not a scan of the province.
 */
export async function provinceFigures(db: DataSource): Promise<ProvinceFigures> {
  const [row] = (await db.query(
    `SELECT sum(members) AS members, sum(employees) AS employees, sum(balance) AS balance, sum(held) AS held FROM figure_row`,
  )) as FigureRow[];
  return toFigures(row);
}

/** The same figures counted from the tables themselves: what the kept ones must always equal. */
export async function countedProvinceFigures(db: DataSource): Promise<ProvinceFigures> {
  const [row] = (await db.query(`
    SELECT m.members, m.employees, a.balance, a.held
    FROM (SELECT count(*) FILTER (WHERE status = 'INSURED') AS members,
                 count(*) FILTER (WHERE status = 'INSURED' AND insurance_type = 'EMPLOYEE') AS employees FROM member) m,
         (SELECT coalesce(sum(balance), 0) AS balance, coalesce(sum(held), 0) AS held FROM account) a`)) as FigureRow[];
  return toFigures(row);
}

/** Folds the figure rows of database sessions that have ended into one, so the rows stay few. */
export async function foldFigureRows(db: Pick<DataSource, 'query'>): Promise<void> {
  await db.query(`SELECT fold_figure_rows()`);
}

/** The rows waiting to be folded (their session has ended) and the age of the oldest: the fold lag an operator watches. */
export async function unfoldedFigureRows(db: DataSource): Promise<UnfoldedRows[]> {
  const rows: { rows: number; oldest: number }[] = await db.query(
    `SELECT count(*)::int AS rows, coalesce(extract(epoch FROM now() - min(written_at)), 0)::float8 AS oldest
     FROM figure_row WHERE backend <> 0 AND backend NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)`,
  );
  return rows.map((r) => ({ table: 'figure_row', rows: r.rows, oldestSeconds: r.oldest }));
}
