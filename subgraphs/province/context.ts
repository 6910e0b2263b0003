import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { type AccountBalance, balances } from './accounts/ledger';
import { findMembers, type MemberRecord } from './members/members';

/** What every province resolver may use: its database, its province code, per-request loaders. */
export interface ProvinceContext {
  db: DataSource;
  province: string;
  members: DataLoader<string, MemberRecord | null>;
  accounts: DataLoader<string, AccountBalance[]>;
}

export function provinceContext(db: DataSource, province: string): ProvinceContext {
  return {
    db,
    province,
    members: new DataLoader((ids) => findMembers(db, ids)),
    accounts: new DataLoader((ids) => Promise.all(ids.map((id) => balances(db, id)))),
  };
}
