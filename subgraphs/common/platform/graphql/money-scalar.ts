import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { RefusalCode } from '../../domain/errors';
import { type Fen, formatYuan, parseAmountInput } from '../../domain/money';

/** The GraphQL form of money (common/domain/money.ts): integer fen inside, a yuan decimal string on the wire. */
export const MoneyScalar = new GraphQLScalarType<Fen, string>({
  name: 'Money',
  description:
    'An exact amount of money in yuan, as a string of digits with at most two decimals ("236.00", "236.5", "236"): ' +
    'no sign, no leading zero, no spaces or separators; at most 10000000000.00 as input. Held as integer fen; never a float.',
  serialize(value) {
    if (typeof value === 'bigint') return formatYuan(value);
    throw new GraphQLError('Money must be produced from integer fen.');
  },
  parseValue(value) {
    if (typeof value !== 'string') {
      throw new GraphQLError('Money is written as a string such as "236.00", never a number.', {
        extensions: { code: RefusalCode.INVALID_AMOUNT },
      });
    }
    return parseAmountInput(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('Money is written as a string such as "236.00", never a number.', {
        extensions: { code: RefusalCode.INVALID_AMOUNT },
      });
    }
    return parseAmountInput(ast.value);
  },
});
