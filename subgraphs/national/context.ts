import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { findPersonsByMemberId, type PersonRecord } from './persons/person-index';
import type { ProvinceDirectory } from './provinces/province-directory';
import { findRegions, type RegionRecord } from './registry/registry';
import { findWallets, type WalletRecord } from './wallets/wallets';

/** What every national resolver may use. */
export interface NationalContext {
  db: DataSource;
  provinces: ProvinceDirectory;
  persons: DataLoader<string, PersonRecord | null>;
  wallets: DataLoader<string, WalletRecord | null>;
  regions: DataLoader<string, RegionRecord | null>;
}

export function nationalContext(db: DataSource, provinces: ProvinceDirectory): NationalContext {
  return {
    db,
    provinces,
    persons: new DataLoader((ids) => findPersonsByMemberId(db, ids)),
    wallets: new DataLoader((ids) => findWallets(db, ids)),
    regions: new DataLoader((codes) => findRegions(db, codes)),
  };
}
