/**
 * Yuan amounts as an official reads national totals: 元 below 1 万, then 万元, then 亿元, to two
 * decimals, rounded half away from zero. Worked on the exact decimal string with integers (fen as a
 * bigint), never through a float. No imports: the dashboard page bundles this file too.
 */
export type YuanUnit = '元' | '万元' | '亿元';

const FEN_PER: Record<YuanUnit, bigint> = { 元: 1n, 万元: 10_000n, 亿元: 100_000_000n };

/** "12345.6" → 1234560n; refuses anything but a plain decimal with at most two places. */
export function fenOf(yuan: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(yuan);
  if (!match) throw new Error(`not a yuan amount: ${yuan.slice(0, 30)}`);
  const fen = BigInt(match[2]) * 100n + BigInt((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -fen : fen;
}

const grouped = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** An amount in `unit`, two decimals, thousands grouped: ("123456789.12", '亿元') → "1.23". */
export function inUnit(yuan: string, unit: YuanUnit): string {
  const fen = fenOf(yuan);
  const magnitude = fen < 0n ? -fen : fen;
  const per = FEN_PER[unit]; // hundredths of the unit are `per` fen each
  const hundredths = (magnitude + per / 2n) / per; // half away from zero; per = 1 leaves fen as they are
  const whole = grouped(String(hundredths / 100n));
  return `${fen < 0n && hundredths !== 0n ? '-' : ''}${whole}.${String(hundredths % 100n).padStart(2, '0')}`;
}

/** The unit a national total reads best in: 亿元 from 1 亿, 万元 from 1 万, else 元. */
export function unitFor(yuan: string): YuanUnit {
  const fen = fenOf(yuan);
  const magnitude = fen < 0n ? -fen : fen;
  if (magnitude >= 100n * FEN_PER.亿元) return '亿元'; // a whole unit is a hundred hundredths
  if (magnitude >= 100n * FEN_PER.万元) return '万元';
  return '元';
}
