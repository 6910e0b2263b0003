import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { AccessRecorder } from '../common/platform/access-log';
import { RequestReads } from '../common/platform/data/request-reads';
import type { CallerContext } from '../common/platform/auth/authenticate';
import type { Caller } from '../common/platform/auth/caller';
import { type AccountBalance, balancesOf } from './accounts/ledger';
import { findMembers, type MemberRecord } from './members/members';

/** What every province resolver may use: its database, its province code, per-request loaders. */
export interface ProvinceContext extends CallerContext {
  db: DataSource;
  /** Where this request reads (one read-only transaction for a query operation). */
  reads: RequestReads;
  province: string;
  members: DataLoader<string, MemberRecord | null>;
  accounts: DataLoader<string, AccountBalance[]>;
  /** R32: the staff reads of personal data this request makes. */
  accessLog: AccessRecorder;
}

export function provinceContext(db: DataSource, province: string, caller?: Caller): ProvinceContext {
  const reads = new RequestReads(db);
  return {
    caller,
    db,
    reads,
    province,
    members: new DataLoader((ids) => findMembers(reads, ids)),
    accounts: new DataLoader((ids) => balancesOf(reads, ids)),
    accessLog: new AccessRecorder(caller),
  };
}
