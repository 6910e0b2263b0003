/** Money arrives as an exact yuan string ("12345.60"); it is shown with thousands separators, never through a float. */
export function yuan(amount: string): string {
  const [whole, fraction = '00'] = amount.split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  return `${negative ? '-' : ''}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction.padEnd(2, '0')}`;
}

export const count = (n: number): string => n.toLocaleString('zh-CN');

/** Only for drawing a chart; the figures themselves stay strings. */
export const plotted = (amount: string): number => Number(amount);

export const twoDecimals = (value: unknown): string =>
  typeof value === 'number' ? yuan(value.toFixed(2)) : String(value ?? '');

/** A Beijing-time day (UTC+8 all year), `offset` days from `now`: "2026-11-05". */
export function beijingDay(offset = 0, now = new Date()): string {
  return new Date(now.getTime() + 8 * 3_600_000 + offset * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A change against a base as a signed percentage to one decimal ("+12.5%"), in integers (exact for
 * fen and counts); "—" when the base is zero or there is none.
 */
export function change(current: bigint, base: bigint | null): string {
  if (base === null || base === 0n) return '—';
  const tenths = ((current - base) * 2000n) / (base < 0n ? -base : base); // twice the tenths of a percent, to round half away from zero
  const rounded = (tenths + (tenths < 0n ? -1n : 1n)) / 2n;
  const magnitude = rounded < 0n ? -rounded : rounded;
  return `${rounded > 0n ? '+' : rounded < 0n ? '-' : ''}${magnitude / 10n}.${magnitude % 10n}%`;
}

export function monthsBetween(from: string, to: string): number {
  const index = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7));
  return index(to) - index(from) + 1;
}

/** An instant (ISO, UTC) as Beijing time (UTC+8 all year), whatever the browser's time zone: "2026-11-05 10:00:03". */
export function beijingTime(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}
