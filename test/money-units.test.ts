import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fenOf, inUnit, unitFor } from '../subgraphs/national/statistics/money-units';

/** The dashboard's 万元 / 亿元 (subgraphs/national/statistics/money-units.ts), exact from the decimal string. */
test('national totals read in 元, 万元 or 亿元, rounded half away from zero, exactly', () => {
  const cases: [string, string, string][] = [
    ['0.00', '元', '0.00'],
    ['9999.99', '元', '9,999.99'],
    ['10000.00', '万元', '1.00'],
    ['123456.00', '万元', '12.35'],
    ['123449.99', '万元', '12.34'],
    ['99999999.99', '万元', '10,000.00'],
    ['100000000.00', '亿元', '1.00'],
    ['123456789012345678.91', '亿元', '1,234,567,890.12'],
    ['-250000.00', '万元', '-25.00'],
  ];
  for (const [yuan, unit, shown] of cases) {
    assert.equal(unitFor(yuan), unit, yuan);
    assert.equal(inUnit(yuan, unitFor(yuan)), shown, yuan);
  }
  // Past 2^53 fen, where a float would already be wrong.
  assert.equal(inUnit('90071992547409.93', '元'), '90,071,992,547,409.93');
  assert.equal(fenOf('90071992547409.93'), 9007199254740993n);
  assert.equal(inUnit('-49.00', '万元'), '0.00', 'no minus sign on a zero');
  assert.throws(() => fenOf('1e5'));
  assert.throws(() => fenOf('1.234'));
});
