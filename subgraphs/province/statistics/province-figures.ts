import type { DataSource } from 'typeorm';
import { type Fen, fenFromDb } from '../../common/money';

export interface ProvinceFigures {
  memberCount: number;
  employeeCount: number;
  residentCount: number;
  accountBalance: Fen;
  held: Fen;
}

/** Figures computed from this province's own database, for the national fan-out read. */
export async function provinceFigures(db: DataSource): Promise<ProvinceFigures> {
  const [row] = (await db.query(`
    SELECT m.members, m.employees, a.balance, a.held
    FROM (SELECT count(*) FILTER (WHERE status = 'INSURED') AS members,
                 count(*) FILTER (WHERE status = 'INSURED' AND insurance_type = 'EMPLOYEE') AS employees FROM member) m,
         (SELECT coalesce(sum(balance), 0) AS balance, coalesce(sum(held), 0) AS held FROM account) a`)) as {
    members: string; employees: string; balance: string; held: string;
  }[];
  const members = Number(row.members);
  const employees = Number(row.employees);
  return {
    memberCount: members,
    employeeCount: employees,
    residentCount: members - employees,
    accountBalance: fenFromDb(row.balance),
    held: fenFromDb(row.held),
  };
}
