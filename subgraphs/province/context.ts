import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { AccessRecorder } from '../common/access-log';
import type { CallerContext } from '../common/auth/authenticate';
import type { Caller } from '../common/auth/caller';
import { type AccountBalance, balancesOf } from './accounts/ledger';
import { findMembers, type MemberRecord } from './members/members';

/** What every province resolver may use: its database, its province code, per-request loaders. */
export interface ProvinceContext extends CallerContext {
  db: DataSource;
  province: string;
  members: DataLoader<string, MemberRecord | null>;
  accounts: DataLoader<string, AccountBalance[]>;
  /** R32: the staff reads of personal data this request makes. */
  accessLog: AccessRecorder;
}

export function provinceContext(db: DataSource, province: string, caller?: Caller): ProvinceContext {
  return {
    caller,
    db,
    province,
    members: new DataLoader((ids) => findMembers(db, ids)),
    accounts: new DataLoader((ids) => balancesOf(db, ids)),
    accessLog: new AccessRecorder(caller),
  };
}
