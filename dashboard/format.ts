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

/** A Beijing-time month (UTC+8 all year), `offset` months from now: "2026-11". */
export function beijingMonth(offset = 0, now = new Date()): string {
  const beijing = new Date(now.getTime() + 8 * 3_600_000);
  const month = beijing.getUTCFullYear() * 12 + beijing.getUTCMonth() + offset;
  return `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
}

export function monthsBetween(from: string, to: string): number {
  const index = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7));
  return index(to) - index(from) + 1;
}
