import DataLoader from 'dataloader';
import { AccessRecorder } from '../common/platform/access-log';
import type { CallerContext } from '../common/platform/auth/authenticate';
import type { Caller } from '../common/platform/auth/caller';
import { type Clock, systemClock } from '../common/platform/clock';
import type { DataSource } from 'typeorm';
import { RequestReads } from '../common/platform/data/request-reads';
import { findPersonsByMemberId, type PersonRecord } from './persons/person-index';
import type { ProvinceDirectory } from './provinces/province-directory';
import { type QuotaFigures, quotaOfRelationships } from './quota/quota-lots';
import { findRegions, type RegionRecord } from './registry/registry';
import { findRelationships, type RelationshipRecord } from './relationships/relationships';
import { findWallets, type WalletRecord } from './wallets/wallets';

/** What every national resolver may use. */
export interface NationalContext extends CallerContext {
  db: DataSource;
  /** Where this request reads (one read-only transaction for a query operation). */
  reads: RequestReads;
  provinces: ProvinceDirectory;
  persons: DataLoader<string, PersonRecord | null>;
  wallets: DataLoader<string, WalletRecord | null>;
  regions: DataLoader<string, RegionRecord | null>;
  quotas: DataLoader<string, QuotaFigures>;
  relationships: DataLoader<string, RelationshipRecord | null>;
  /** The one clock every time-dependent rule reads. */
  now: () => Date;
  /** R32: the staff reads of personal data this request makes. */
  accessLog: AccessRecorder;
}

export function nationalContext(
  db: DataSource,
  provinces: ProvinceDirectory,
  clock: Clock = systemClock,
  caller?: Caller,
  queries: DataSource = db,
): NationalContext {
  const reads = new RequestReads(db, queries);
  return {
    caller,
    db,
    reads,
    provinces,
    now: () => clock.now(),
    quotas: new DataLoader((ids) => quotaOfRelationships(reads, ids)),
    relationships: new DataLoader((ids) => findRelationships(reads, ids)),
    persons: new DataLoader((ids) => findPersonsByMemberId(reads, ids)),
    wallets: new DataLoader((ids) => findWallets(reads, ids)),
    regions: new DataLoader((codes) => findRegions(reads, codes)),
    accessLog: new AccessRecorder(caller),
  };
}
