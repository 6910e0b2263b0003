import { isProvinceCode, provinceOfRegion } from './reference-data';

/**
 * The contract between the gateway's router and the `province` subgraph: every province-owned key
 * carries its province. A member id begins with the member's six-digit pooling region
 * ("320500-00000042"), a province is keyed by its two-digit code, and a root field of the
 * `province` subgraph names one of them in its arguments (directly or in `input`).
 */
const MEMBER_ID = /^(\d{6})-(\d{8})$/;

export function memberId(poolingRegion: string, sequence: number | bigint | string): string {
  return `${poolingRegion}-${String(sequence).padStart(8, '0')}`;
}

export function isMemberId(id: string): boolean {
  return MEMBER_ID.test(id);
}

export function regionOfMemberId(id: string): string | undefined {
  return MEMBER_ID.exec(id)?.[1];
}

export function provinceOfMemberId(id: string): string | undefined {
  const region = regionOfMemberId(id);
  return region ? provinceOfRegion(region) : undefined;
}

/** Argument and key field names that carry a province, in the order the router looks at them. */
const ROUTING_FIELDS = ['province', 'code', 'memberId', 'id', 'poolingRegion'] as const;

function provinceOfField(field: string, raw: unknown): string | undefined {
  // The query planner prints an inline ID literal that looks like a number ("32", "320100") as an Int.
  const value = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof value !== 'string') return undefined;
  let province: string | undefined;
  switch (field) {
    case 'province':
    case 'code':
      province = value;
      break;
    case 'memberId':
    case 'id':
      province = provinceOfMemberId(value);
      break;
    case 'poolingRegion':
      province = /^\d{6}$/.test(value) ? provinceOfRegion(value) : undefined;
      break;
  }
  return province && isProvinceCode(province) ? province : undefined;
}

function provinceOfFields(fields: Record<string, unknown>): string | undefined {
  for (const name of ROUTING_FIELDS) {
    const province = provinceOfField(name, fields[name]);
    if (province) return province;
  }
  return undefined;
}

/**
 * The province named by an entity representation or by a root field's arguments (looking one
 * level into an `input` object, no deeper), or undefined when none is named.
 */
export function provinceOfKeyFields(fields: Record<string, unknown>): string | undefined {
  const direct = provinceOfFields(fields);
  if (direct) return direct;
  const input = fields.input;
  if (input && typeof input === 'object' && !Array.isArray(input))
    return provinceOfFields(input as Record<string, unknown>);
  return undefined;
}

/** Why fields name no province, in words: the first routing field given, and what is wrong with it. */
export function whyNoProvince(fields: Record<string, unknown>): string {
  const input =
    fields.input && typeof fields.input === 'object' && !Array.isArray(fields.input)
      ? (fields.input as Record<string, unknown>)
      : {};
  for (const given of [fields, input]) {
    for (const name of ROUTING_FIELDS) {
      const value = given[name];
      if (value === undefined || value === null) continue;
      const quoted = JSON.stringify(String(value).slice(0, 30));
      if (name === 'province' || name === 'code') return `${name} ${quoted} is not a GB/T 2260 province code`;
      if (name === 'poolingRegion') return `the pooling region ${quoted} is in no province`;
      const region = typeof value === 'string' ? regionOfMemberId(value) : undefined;
      return region
        ? `the member id ${quoted} names the pooling region ${region}, which is in no province`
        : `the member id ${quoted} names no pooling region (a member id is the six digits of its pooling region, a dash and eight digits, e.g. 320500-00000001)`;
    }
  }
  return `no argument names a province (${ROUTING_FIELDS.join(', ')})`;
}
