import type { Queryable } from '../../common/platform/data/request-reads';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { personalDataKeys } from '../../common/platform/crypto/personal-data-keys';
import { isValidIdNumber, normalizeIdNumber } from '../../common/domain/id-number';
import { findPoolingRegion, provinceOfRegion } from '../../common/domain/reference-data';
import { MEMBER_COLUMNS, type MemberRecord, type MemberRow, type MemberStatus, toRecord } from './members';

/**
 * A portal's search of its province's members, one page at a time, each kind of search in the
 * order of its index (migration PortalLists): by name prefix in code-point order of the name,
 * otherwise by member id. Every filter given must hold; none given lists every membership.
 */
export interface MemberSearch {
  idNumber?: string | null;
  namePrefix?: string | null;
  poolingRegion?: string | null;
  status?: MemberStatus | null;
}

/** A surname alone (one character) matches a tenth of a province: a search names at least two characters. */
export const MIN_NAME_PREFIX = 2;
const MAX_NAME_PREFIX = 50;

/** The search as the SQL takes it, or a refusal that says what is wrong with it. */
export function checkSearch(search: MemberSearch, province: string): MemberSearch {
  const checked: MemberSearch = { status: search.status ?? null };
  if (search.idNumber !== undefined && search.idNumber !== null) {
    checked.idNumber = normalizeIdNumber(search.idNumber);
    if (!isValidIdNumber(checked.idNumber)) {
      throw new Refusal(
        RefusalCode.INVALID_ID_NUMBER,
        'The ID number is not a valid resident ID number: 18 characters whose last is the GB 11643 check character.',
      );
    }
  }
  if (search.namePrefix !== undefined && search.namePrefix !== null) {
    checked.namePrefix = search.namePrefix.trim();
    const length = [...checked.namePrefix].length;
    if (length < MIN_NAME_PREFIX || length > MAX_NAME_PREFIX) {
      throw new Refusal(
        RefusalCode.INVALID_ARGUMENT,
        `A name prefix is ${MIN_NAME_PREFIX} to ${MAX_NAME_PREFIX} characters (the family name and at least one more).`,
      );
    }
  }
  if (search.poolingRegion !== undefined && search.poolingRegion !== null) {
    if (!findPoolingRegion(search.poolingRegion) || provinceOfRegion(search.poolingRegion) !== province) {
      throw new Refusal(
        RefusalCode.INVALID_ARGUMENT,
        `${String(search.poolingRegion).slice(0, 12)} is not a pooling region of province ${province}.`,
      );
    }
    checked.poolingRegion = search.poolingRegion;
  }
  return checked;
}

/** The first string after every string that begins with `prefix`, in code-point order. */
export function afterEveryExtension(prefix: string): string {
  const points = [...prefix].map((c) => c.codePointAt(0) as number);
  let last = (points.pop() as number) + 1;
  if (last === 0xd800) last = 0xe000; // no surrogates in text
  return String.fromCodePoint(...points, Math.min(last, 0x10ffff));
}

/** The position of a member in a search's order: its name and id, or its id alone. */
export function searchKey(search: MemberSearch, member: { id: string; name: string }): string {
  return search.namePrefix ? JSON.stringify([member.name, member.id]) : member.id;
}

function parseNameKey(key: string | undefined): [string, string] {
  if (key === undefined) return ['', ''];
  try {
    const parsed: unknown = JSON.parse(key);
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((p) => typeof p === 'string'))
      return parsed as [string, string];
  } catch {
    // refused below
  }
  throw new Refusal(RefusalCode.INVALID_ARGUMENT, 'The page cursor is not one this list gave out.');
}

/**
 * A page of members (one more than the page, to tell whether another follows). The SQL names only
 * the filters given, so each kind of search is one prepared statement with its own index plan.
 */
export async function searchMembers(
  db: Queryable,
  search: MemberSearch,
  limit: number,
  after?: string,
): Promise<MemberRecord[]> {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where: string[] = [];
  if (search.idNumber) where.push(`id_number_index = ${param(personalDataKeys().idNumberIndex(search.idNumber))}`);
  if (search.poolingRegion) where.push(`pooling_region = ${param(search.poolingRegion)}::char(6)`);
  if (search.status) where.push(`status = ${param(search.status)}`);
  let order: string;
  if (search.namePrefix) {
    const prefix = param(search.namePrefix);
    where.push(
      `name COLLATE "C" >= ${prefix}`,
      `name COLLATE "C" < ${param(afterEveryExtension(search.namePrefix))}`,
      `starts_with(name, ${prefix})`,
    );
    const [name, id] = parseNameKey(after);
    where.push(`(name COLLATE "C", id) > (${param(name)}, ${param(id)})`);
    order = 'name COLLATE "C", id';
  } else {
    where.push(`id > ${param(after ?? '')}`);
    order = 'id';
  }
  const rows: MemberRow[] = await db.query(
    `SELECT ${MEMBER_COLUMNS} FROM member WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${param(limit)}`,
    params,
  );
  return rows.map(toRecord);
}
