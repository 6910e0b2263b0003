import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/** Money is integer fen (分) everywhere inside; the wire form is a yuan decimal string ("236.00"). */
export type Fen = bigint;

const YUAN_PATTERN = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/;

export function parseYuan(text: string): Fen {
  const match = YUAN_PATTERN.exec(text.trim());
  if (!match) {
    throw new GraphQLError(
      `"${text.slice(0, 40)}" is not an amount in yuan: write digits with at most two decimals, e.g. "236.00".`,
      { extensions: { code: 'INVALID_AMOUNT' } },
    );
  }
  const [, sign, whole, fraction = ''] = match;
  const fen = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  return sign === '-' ? -fen : fen;
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

export const MoneyScalar = new GraphQLScalarType<Fen, string>({
  name: 'Money',
  description:
    'An exact amount of money in yuan, as a decimal string with at most two decimals ("236.00"). ' +
    'Held as integer fen internally; never a float.',
  serialize(value) {
    if (typeof value === 'bigint') return formatYuan(value);
    throw new GraphQLError('Money must be produced from integer fen.');
  },
  parseValue(value) {
    if (typeof value !== 'string') {
      throw new GraphQLError('Money is written as a string such as "236.00", never a number.', {
        extensions: { code: 'INVALID_AMOUNT' },
      });
    }
    return parseYuan(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('Money is written as a string such as "236.00", never a number.', {
        extensions: { code: 'INVALID_AMOUNT' },
      });
    }
    return parseYuan(ast.value);
  },
});

/** The largest single amount accepted anywhere: 10 billion yuan; bigger is a typing error. */
export const MAX_AMOUNT: Fen = 1_000_000_000_000n;

/** R12: an amount that moves money is positive, in whole fen, and not absurdly large. */
export function checkAmount(amount: Fen): Fen {
  if (amount <= 0n || amount > MAX_AMOUNT) {
    throw new GraphQLError(`The amount must be more than 0 and at most ${formatYuan(MAX_AMOUNT)} yuan.`, {
      extensions: { code: 'INVALID_AMOUNT' },
    });
  }
  return amount;
}
