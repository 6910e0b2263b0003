import { platformNow } from '../../common/platform/clock';
import type { DataSource, EntityManager } from 'typeorm';
import type { Queryable } from '../../common/platform/data/request-reads';
import { parseTimeKey, timeKeyAfter } from '../../common/platform/data/keyset';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { type Fen, fenFromDb } from '../../common/domain/money';

/** Settlements (共济结算) and premiums paid, as recorded in the national database. */
export interface SettlementRecord {
  id: string;
  kind: 'EXPENSE' | 'PREMIUM';
  beneficiaryId: string;
  spendingProvince: string;
  details: Record<string, string>;
  amount: Fen;
  ownCurrentYear: Fen;
  ownAccumulated: Fen;
  quotaPaid: Fen;
  cashPaid: Fen;
  state: 'PENDING' | 'SETTLED';
  createdAt: Date;
  settledAt: Date | null;
}

interface Row {
  id: string;
  kind: SettlementRecord['kind'];
  beneficiary_id: string;
  spending_province: string;
  details: Record<string, string>;
  amount: string;
  own_current_year: string;
  own_accumulated: string;
  quota_paid: string;
  cash_paid: string;
  state: SettlementRecord['state'];
  created_at: Date;
  settled_at: Date | null;
}

const toRecord = (r: Row): SettlementRecord => ({
  id: r.id,
  kind: r.kind,
  beneficiaryId: r.beneficiary_id,
  spendingProvince: r.spending_province,
  details: r.details,
  amount: fenFromDb(r.amount),
  ownCurrentYear: fenFromDb(r.own_current_year),
  ownAccumulated: fenFromDb(r.own_accumulated),
  quotaPaid: fenFromDb(r.quota_paid),
  cashPaid: fenFromDb(r.cash_paid),
  state: r.state,
  createdAt: r.created_at,
  settledAt: r.settled_at,
});

const COLUMNS = `id, kind, beneficiary_id, spending_province, details, amount, own_current_year, own_accumulated,
  quota_paid, cash_paid, state, created_at, settled_at`;

export async function findSettlement(db: Queryable, id: string, lock = ''): Promise<SettlementRecord | undefined> {
  const rows: Row[] = await db.query(`SELECT ${COLUMNS} FROM settlement WHERE id = $1 ${lock}`, [id]);
  return rows.map(toRecord)[0];
}

export async function requireSettlement(
  db: DataSource | EntityManager,
  id: string,
  lock = '',
): Promise<SettlementRecord> {
  const settlement = await findSettlement(db, id, lock);
  if (!settlement) throw new Refusal(RefusalCode.SETTLEMENT_NOT_FOUND, `There is no settlement ${id.slice(0, 40)}.`);
  return settlement;
}

export async function settlementsOf(
  db: Queryable,
  beneficiaryId: string,
  limit: number,
  after?: string,
): Promise<SettlementRecord[]> {
  const rows: Row[] = await db.query(
    `SELECT ${COLUMNS} FROM settlement WHERE beneficiary_id = $1
       AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3)) ORDER BY created_at, id LIMIT $4`,
    [beneficiaryId, ...parseTimeKey(after), limit],
  );
  return rows.map(toRecord);
}

export interface SettlementFilter {
  /** The institution's name, as given when it was settled. */
  institution?: string | null;
  category?: string | null;
  /** Paid with quota of a donor of another province (true: what other provinces' funds owe, R22), or not (false). */
  crossProvince?: boolean | null;
}

/**
 * A page of the settlements spent in a province (at its institutions; premiums of its residents)
 * that settled in [from, to), in the order they settled. Each filter narrows the index read:
 * category and institution have indexes of their own (migration PortalLists).
 */
export async function settlementsSpentIn(
  db: Queryable,
  province: string,
  period: { from: Date; to: Date },
  filter: SettlementFilter,
  limit: number,
  after?: string,
): Promise<SettlementRecord[]> {
  const params: unknown[] = [province, period.from, period.to, ...timeKeyAfter(after)];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where = [
    `spending_province = $1`,
    `state = 'SETTLED'`,
    `settled_at >= $2`,
    `settled_at < $3`,
    `(settled_at, id) > ($4, $5)`,
  ];
  if (filter.category) where.push(`details ->> 'category' = ${param(filter.category)}`);
  if (filter.institution) where.push(`details ->> 'institutionName' = ${param(filter.institution)}`);
  if (filter.crossProvince !== undefined && filter.crossProvince !== null) {
    where.push(`${filter.crossProvince ? '' : 'NOT '}EXISTS (SELECT 1 FROM quota_use q JOIN transfer t ON t.id = q.transfer_id
      WHERE q.settlement_id = settlement.id AND t.donor_province <> settlement.spending_province)`);
  }
  const rows: Row[] = await db.query(
    `SELECT ${COLUMNS} FROM settlement WHERE ${where.join(' AND ')} ORDER BY settled_at, id LIMIT ${param(limit)}`,
    params,
  );
  return rows.map(toRecord);
}

export interface NewSettlement {
  id: string;
  idempotencyKey: string;
  kind: SettlementRecord['kind'];
  beneficiaryId: string;
  spendingProvince: string;
  details: Record<string, string>;
  amount: Fen;
}

/** Records a settlement PENDING, in the caller's transaction. */
export async function insertSettlement(tx: EntityManager, s: NewSettlement): Promise<SettlementRecord> {
  const [row] = (await tx.query(
    `INSERT INTO settlement (id, idempotency_key, kind, beneficiary_id, spending_province, details, amount, state, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING', $8) RETURNING ${COLUMNS}`,
    [
      s.id,
      s.idempotencyKey,
      s.kind,
      s.beneficiaryId,
      s.spendingProvince,
      JSON.stringify(s.details),
      String(s.amount),
      platformNow(),
    ],
  )) as Row[];
  return toRecord(row);
}
