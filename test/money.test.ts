import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError, Kind, parseValue as parseValueNode, valueFromAST } from 'graphql';
import {
  MAX_AMOUNT,
  checkAmount,
  fenFromDb,
  formatYuan,
  parseAmountInput,
  parseYuan,
} from '../subgraphs/common/domain/money';
import { MoneyScalar } from '../subgraphs/common/platform/graphql/money-scalar';

/** An assert.throws validator: the error is a GraphQLError with this extensions.code. */
function withCode(code: string): (error: unknown) => boolean {
  return (error: unknown): boolean => {
    assert.ok(error instanceof GraphQLError, `expected a GraphQLError, got ${String(error)}`);
    assert.equal(error.extensions.code, code);
    return true;
  };
}

describe('parseYuan / formatYuan: yuan strings are exact integer fen', () => {
  const pairs: ReadonlyArray<readonly [string, bigint]> = [
    ['236.00', 23600n],
    ['0.01', 1n],
    ['-1.50', -150n],
    ['1234567890123.99', 123456789012399n],
  ];
  for (const [yuan, fen] of pairs) {
    test(`"${yuan}" is ${fen} fen and formats back to "${yuan}"`, () => {
      assert.equal(parseYuan(yuan), fen);
      assert.equal(formatYuan(fen), yuan);
    });
  }

  test('one decimal and no decimals are read as whole fen', () => {
    assert.equal(parseYuan('1.5'), 150n);
    assert.equal(parseYuan('236'), 23600n);
    assert.equal(formatYuan(0n), '0.00');
  });

  for (const text of ['1.234', 'abc', '1e3', ' ', '', '12345678901234', ' 1.00', '01.00']) {
    test(`R12: refuses ${JSON.stringify(text)} with INVALID_AMOUNT`, () => {
      assert.throws(() => parseYuan(text), withCode('INVALID_AMOUNT'));
    });
  }
});

/** An assert.throws validator: INVALID_AMOUNT whose message says why. */
function invalidBecause(why: RegExp): (error: unknown) => boolean {
  return (error: unknown): boolean => withCode('INVALID_AMOUNT')(error) && why.test((error as Error).message);
}

describe('parseAmountInput: a caller writes an amount in one canonical form', () => {
  const accepted: ReadonlyArray<readonly [string, bigint]> = [
    ['236', 23600n],
    ['236.5', 23650n],
    ['236.50', 23650n],
    ['0.01', 1n],
    ['0', 0n],
    ['10.00', 1000n],
    ['10000000000.00', MAX_AMOUNT],
  ];
  for (const [text, fen] of accepted) {
    test(`"${text}" is ${fen} fen`, () => assert.equal(parseAmountInput(text), fen));
  }
  const refused: ReadonlyArray<readonly [string, RegExp]> = [
    ['1.005', /at most two decimals/],
    ['100000000000000000000', /too large: at most 10000000000\.00 yuan/],
    ['10000000000.01', /too large/],
    ['99999999999999999.99', /too large/],
    [' 100', /no spaces/],
    ['100 ', /no spaces/],
    ['00100', /no leading zeros: write "100"/],
    ['0100.50', /no leading zeros: write "100\.50"/],
    ['+1.00', /without a sign/],
    ['-1.00', /without a sign/],
    ['１００', /digits 0-9/],
    ['1,000.00', /separators/],
    ['1e3', /exponent/],
    ['.5', /digits 0-9/],
    ['5.', /digits 0-9/],
    ['abc', /digits 0-9/],
    ['', /digits 0-9/],
  ];
  for (const [text, why] of refused) {
    test(`refuses ${JSON.stringify(text)} with INVALID_AMOUNT saying ${why}`, () => {
      assert.throws(() => parseAmountInput(text), invalidBecause(why));
    });
  }
  test('the scalar reads a variable and a literal with the same rule', () => {
    assert.throws(() => MoneyScalar.parseValue(' 100'), invalidBecause(/no spaces/));
    assert.throws(() => MoneyScalar.parseLiteral(parseValueNode('"00100"')), invalidBecause(/leading zeros/));
    assert.throws(() => MoneyScalar.parseValue('-5'), invalidBecause(/without a sign/));
  });
});

describe('MoneyScalar: money is a string on the wire, never a float', () => {
  test('parseValue reads a yuan string', () => {
    assert.equal(MoneyScalar.parseValue('236.50'), 23650n);
  });

  for (const value of [236.5, 236]) {
    test(`parseValue refuses the number ${value}`, () => {
      assert.throws(() => MoneyScalar.parseValue(value), withCode('INVALID_AMOUNT'));
    });
  }

  test('parseLiteral reads a string literal', () => {
    const node = parseValueNode('"236.00"');
    assert.equal(node.kind, Kind.STRING);
    assert.equal(MoneyScalar.parseLiteral(node), 23600n);
    assert.equal(valueFromAST(node, MoneyScalar), 23600n);
  });

  for (const [literal, kind] of [
    ['236', Kind.INT],
    ['236.5', Kind.FLOAT],
  ] as const) {
    test(`parseLiteral refuses a literal of kind ${kind} (${literal})`, () => {
      const node = parseValueNode(literal);
      assert.equal(node.kind, kind);
      assert.throws(() => MoneyScalar.parseLiteral(node), withCode('INVALID_AMOUNT'));
      assert.equal(valueFromAST(node, MoneyScalar), undefined);
    });
  }

  test('serialize formats fen and refuses a JS number', () => {
    assert.equal(MoneyScalar.serialize(23600n), '236.00');
    assert.throws(() => MoneyScalar.serialize(236), GraphQLError);
  });
});

describe('checkAmount (R12: positive whole fen, at most MAX_AMOUNT)', () => {
  test('R12: refuses zero', () => {
    assert.throws(() => checkAmount(0n), withCode('INVALID_AMOUNT'));
  });
  test('R12: refuses a negative amount', () => {
    assert.throws(() => checkAmount(-1n), withCode('INVALID_AMOUNT'));
  });
  test('R12: refuses more than MAX_AMOUNT', () => {
    assert.throws(() => checkAmount(MAX_AMOUNT + 1n), withCode('INVALID_AMOUNT'));
  });
  test('R12: accepts one fen and exactly MAX_AMOUNT', () => {
    assert.equal(checkAmount(1n), 1n);
    assert.equal(checkAmount(MAX_AMOUNT), MAX_AMOUNT);
  });
});

describe('fenFromDb: PostgreSQL bigint values never pass through a float', () => {
  test('reads strings, bigints and safe integers exactly', () => {
    assert.equal(fenFromDb('123456789012345678'), 123456789012345678n);
    assert.equal(fenFromDb(42n), 42n);
    assert.equal(fenFromDb(42), 42n);
  });
  test('null and undefined are zero', () => {
    assert.equal(fenFromDb(null), 0n);
    assert.equal(fenFromDb(undefined), 0n);
  });
  test('refuses numbers that are not safe integers', () => {
    assert.throws(() => fenFromDb(2 ** 53), /unsafe integer/);
    assert.throws(() => fenFromDb(1.5), /unsafe integer/);
  });
});
