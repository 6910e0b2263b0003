import type { DataSource } from 'typeorm';
import type { Queryable } from '../../common/platform/data/request-reads';
import { POOLING_REGIONS, PROVINCES, provinceOfRegion } from '../../common/domain/reference-data';

/** The registry of provinces and pooling regions (GB/T 2260), owned by the national database. */
export interface RegionRecord {
  code: string;
  provinceCode: string;
  name: string;
  crossProvinceEnabled: boolean;
  walletEnabled: boolean;
}

export interface ProvinceRow {
  code: string;
  name: string;
}

/** Adds reference data the database does not have yet; flags changed in the database are kept. */
export async function syncRegistry(db: DataSource): Promise<void> {
  await db.transaction(async (tx) => {
    for (const p of PROVINCES) {
      await tx.query(`INSERT INTO province (code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [p.code, p.name]);
    }
    for (const r of POOLING_REGIONS) {
      await tx.query(
        `INSERT INTO pooling_region (code, province_code, name, cross_province_enabled, wallet_enabled)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [r.code, provinceOfRegion(r.code), r.name, r.crossProvinceEnabled, r.walletEnabled],
      );
    }
  });
}

const REGION_COLUMNS = `code, province_code AS "provinceCode", name,
  cross_province_enabled AS "crossProvinceEnabled", wallet_enabled AS "walletEnabled"`;

export async function findRegions(db: Queryable, codes: readonly string[]): Promise<(RegionRecord | null)[]> {
  const rows: RegionRecord[] = await db.query(`SELECT ${REGION_COLUMNS} FROM pooling_region WHERE code = ANY($1)`, [
    codes,
  ]);
  const byCode = new Map(rows.map((r) => [r.code, r]));
  return codes.map((c) => byCode.get(c) ?? null);
}

export async function regionsOfProvince(
  db: Queryable,
  provinceCode: string,
  limit: number,
  afterCode?: string,
): Promise<RegionRecord[]> {
  return db.query(
    `SELECT ${REGION_COLUMNS} FROM pooling_region WHERE province_code = $1 AND ($2::text IS NULL OR code > $2)
     ORDER BY code LIMIT $3`,
    [provinceCode, afterCode ?? null, limit],
  );
}

export async function listProvinces(
  db: Queryable,
  limit: number,
  afterCode: string | undefined,
  only?: readonly string[],
): Promise<ProvinceRow[]> {
  return db.query(
    `SELECT code, name FROM province WHERE ($1::text IS NULL OR code > $1) AND ($2::text[] IS NULL OR code = ANY($2))
     ORDER BY code LIMIT $3`,
    [afterCode ?? null, only ?? null, limit],
  );
}

export async function findProvinceRow(db: Queryable, code: string): Promise<ProvinceRow | undefined> {
  const rows: ProvinceRow[] = await db.query(`SELECT code, name FROM province WHERE code = $1`, [code]);
  return rows[0];
}
