import { inputError, RefusalCode } from './errors';

/** Money is integer fen (分) everywhere inside; the wire form is a yuan decimal string ("236.00"). */
export type Fen = bigint;

/** The largest single amount accepted anywhere: 10 billion yuan; bigger is a typing error. */
export const MAX_AMOUNT: Fen = 1_000_000_000_000n;

/** Thirteen digits of yuan: the most any figure of the platform is written with. */
const MAX_WHOLE_DIGITS = 13;
const MAX_WRITTEN: Fen = 10n ** BigInt(MAX_WHOLE_DIGITS + 2) - 1n;

const YUAN = /^(-?)(\d+)(?:\.(\d+))?$/;

function invalidAmount(text: string, why: string) {
  return inputError(RefusalCode.INVALID_AMOUNT, `"${text.slice(0, 40)}" is not an amount in yuan: ${why}.`);
}

/**
 * Fen from yuan written in one canonical way only: ASCII digits, no leading zero, a point and one
 * or two decimals if any ("236", "236.5", "236.50", "0.01"); no spaces, no "+", no exponent, no
 * separators, no other digits (full-width ones included). What is wrong is said: too large,
 * more than two decimals, a sign, a leading zero, or not a number.
 */
function fenOf(text: string, options: { signed: boolean; max: Fen }): Fen {
  const match = YUAN.exec(text);
  if (!match || (match[1] && !options.signed)) {
    const sign = /^\s*[-+]/.test(text) && !options.signed;
    throw invalidAmount(
      text,
      sign
        ? 'an amount is written without a sign'
        : 'write digits 0-9 with at most two decimals and nothing else (no spaces, sign, separators or exponent), e.g. "236.00"',
    );
  }
  const [, sign, whole, fraction = ''] = match;
  if (whole.length > 1 && whole.startsWith('0'))
    throw invalidAmount(
      text,
      `no leading zeros: write "${whole.replace(/^0+(?=\d)/, '')}${fraction ? `.${fraction}` : ''}"`,
    );
  if (whole.length > MAX_WHOLE_DIGITS || BigInt(whole) * 100n > options.max) {
    throw invalidAmount(text, `too large: at most ${formatYuan(options.max)} yuan`);
  }
  if (fraction.length > 2) throw invalidAmount(text, 'at most two decimals: money is counted in whole fen');
  const fen = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  if (fen > options.max) throw invalidAmount(text, `too large: at most ${formatYuan(options.max)} yuan`);
  return sign === '-' ? -fen : fen;
}

/** Reads back what formatYuan writes (and the same without decimals or with one): the platform's own figures. */
export function parseYuan(text: string): Fen {
  return fenOf(text, { signed: true, max: MAX_WRITTEN });
}

/** A Money value sent by a caller: canonical, never negative, at most MAX_AMOUNT (INVALID_AMOUNT saying why otherwise). */
export function parseAmountInput(text: string): Fen {
  return fenOf(text, { signed: false, max: MAX_AMOUNT });
}

export function formatYuan(fen: Fen): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const text = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

/** Values read from PostgreSQL `bigint` arrive as strings; never pass them through Number. */
export function fenFromDb(value: string | number | bigint | null | undefined): Fen {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Error(`unsafe integer ${value}`);
  return BigInt(value);
}

/** R12: an amount that moves money is positive, in whole fen, and not absurdly large. */
export function checkAmount(amount: Fen): Fen {
  if (amount <= 0n || amount > MAX_AMOUNT) {
    throw inputError(
      RefusalCode.INVALID_AMOUNT,
      `The amount must be more than 0 and at most ${formatYuan(MAX_AMOUNT)} yuan.`,
    );
  }
  return amount;
}
