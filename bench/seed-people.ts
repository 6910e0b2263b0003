import { regionsOfProvince } from '../subgraphs/common/domain/reference-data';

/**
 * The benchmark's people, as one SQL query that gives the same rows in every database it runs in
 * (a province's and the national one), so that both sides are bulk-loaded without copying data.
 *
 * In each province, of N members numbered 1..N (the member_number sequence):
 *   1..D        donors: employees of the pilot region, wallet, a 500.00 yuan hold backing one
 *               committed, accepted transfer to the beneficiary of the same number k in the next province;
 *   D+1..2D     beneficiaries: residents of the pilot region, wallet;
 *   2D+1..N     everyone else, spread over the province's regions, 70% employees.
 * with 2D = N/10 (a tenth of the members take part in mutual aid).
 */
export const PILOT_REGION: Record<string, string> = { '32': '320500', '13': '130100', '51': '510100' };

export const HOLD_FEN = 50_000n; // 500.00 yuan of quota behind every seeded transfer

export interface SeedShape {
  members: number;
  donors: number;
}

export function seedShape(membersPerProvince: number): SeedShape {
  return { members: membersPerProvince, donors: Math.floor(membersPerProvince / 20) };
}

/** GB 11643 weights; the check character is '10X98765432'[sum mod 11]. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

const checkCharacterSql = (first17: string) =>
  `substr('10X98765432', ((${WEIGHTS.map((w, i) => `substr(${first17}, ${i + 1}, 1)::int * ${w}`).join(' + ')}) % 11) + 1, 1)`;

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂';

/** Two-character name prefixes the seeded names begin with (a family name and a given name), as a portal searches. */
export function seededNamePrefixes(): string[] {
  return [...SURNAMES].flatMap((surname) => [...GIVEN].map((given) => surname + given));
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The id of member number `number` (SQL) of a region (routing-keys.ts: RRRRRR-NNNNNNNN). */
export const memberIdSql = (region: string, number: string) =>
  `${literal(region)} || '-' || lpad((${number})::text, 8, '0')`;

/** Deterministic UUIDs, the same in every database. */
export const relationshipIdSql = (province: string, k: string) =>
  `md5('bench-relationship-${province}-' || ${k})::uuid::text`;
export const transferIdSql = (province: string, k: string) => `md5('bench-transfer-${province}-' || ${k})::uuid::text`;

/**
 * SELECT n, member_id, id_number, name, insurance_type, pooling_region, role, wallet,
 * current_year, accumulated (fen), hold_id (donors), enrolled_at for one province.
 */
export function peopleSql(province: string, shape: SeedShape): string {
  const pilot = PILOT_REGION[province];
  if (!pilot) throw new Error(`no pilot region for province ${province}`);
  const regions = regionsOfProvince(province);
  const regionArray = `ARRAY[${regions.map((r) => literal(r.code)).join(', ')}]::text[]`;
  const walletRegions = `ARRAY[${regions
    .filter((r) => r.walletEnabled)
    .map((r) => literal(r.code))
    .join(', ')}]::text[]`;
  const d = shape.donors;
  return `
    SELECT n, region || '-' || lpad(n::text, 8, '0') AS member_id,
           first17 || ${checkCharacterSql('first17')} AS id_number,
           name, insurance_type, region AS pooling_region, role,
           (role <> 'other' OR (region = ANY(${walletRegions}) AND n % 3 = 0)) AS wallet,
           CASE WHEN insurance_type <> 'EMPLOYEE' THEN 0
                WHEN role = 'donor' THEN 360000 + (n % 50) * 100
                ELSE ((n % 200) + 1) * 1000 END::bigint AS current_year,
           CASE WHEN insurance_type <> 'EMPLOYEE' THEN 0
                WHEN role = 'donor' THEN 1285000
                ELSE (n % 37) * 10000 END::bigint AS accumulated,
           CASE WHEN role = 'donor' THEN ${transferIdSql(province, 'n')} END AS hold_id,
           now() - make_interval(days => 30 + (n % 3000)) AS enrolled_at
    FROM (
      SELECT n,
             CASE WHEN n <= ${d} THEN 'donor' WHEN n <= ${2 * d} THEN 'beneficiary' ELSE 'other' END AS role,
             CASE WHEN n <= ${2 * d} THEN ${literal(pilot)}
                  ELSE (${regionArray})[1 + n % ${regions.length}] END AS region,
             CASE WHEN n <= ${d} THEN 'EMPLOYEE' WHEN n <= ${2 * d} THEN 'RESIDENT'
                  WHEN n % 10 < 7 THEN 'EMPLOYEE' ELSE 'RESIDENT' END AS insurance_type,
             substr(${literal(SURNAMES)}, 1 + n % ${SURNAMES.length}, 1)
               || substr(${literal(GIVEN)}, 1 + (n / ${SURNAMES.length}) % ${GIVEN.length}, 1)
               || CASE WHEN n % 3 = 0 THEN substr(${literal(GIVEN)}, 1 + (n / 7) % ${GIVEN.length}, 1) ELSE '' END AS name,
             -- birthplace, birth date and a sequence: unique per person, nationwide
             ${literal(`${province}0102`)} || to_char(date '1950-01-01' + (n / 1000)::int, 'YYYYMMDD')
               || lpad((n % 1000)::text, 3, '0') AS first17
      FROM generate_series(1, ${shape.members}) AS n
    ) p`;
}

/** The province whose beneficiaries the donors of `province` aid. */
export function nextProvince(provinces: string[], province: string): string {
  return provinces[(provinces.indexOf(province) + 1) % provinces.length];
}
