import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkCharacter,
  isValidIdNumber,
  maskIdNumber,
  normalizeIdNumber,
  withCheckCharacter,
} from '../subgraphs/common/domain/id-number';

/** ISO 7064 MOD 11-2, written independently of the module under test. */
function referenceCheckCharacter(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * weights[i];
  return '10X98765432'.charAt(sum % 11);
}

/** Valid numbers whose check characters were computed by hand and by the reference above. */
const VALID = [
  '11010519491231002X', // the GB 11643 example, check character X
  '440524188001010014',
  '320500199003071238',
  '510100198506154560',
  '130100200012317891',
];

describe('GB 11643 check character (ISO 7064 MOD 11-2)', () => {
  for (const id of VALID) {
    test(`${id} is valid and its check character is ${id[17]}`, () => {
      assert.equal(referenceCheckCharacter(id.slice(0, 17)), id[17]);
      assert.equal(checkCharacter(id.slice(0, 17)), id[17]);
      assert.equal(withCheckCharacter(id.slice(0, 17)), id);
      assert.equal(isValidIdNumber(id), true);
    });
  }

  test('a searched prefix whose check character is X agrees with the reference', () => {
    let found: string | undefined;
    for (let sequence = 0; sequence < 1000 && !found; sequence++) {
      const prefix = `32050019900101${String(sequence).padStart(3, '0')}`;
      if (referenceCheckCharacter(prefix) === 'X') found = prefix;
    }
    assert.ok(found, 'some sequence number gives the check character X');
    assert.equal(checkCharacter(found), 'X');
    assert.equal(isValidIdNumber(`${found}X`), true);
  });

  test('every prefix in a sample agrees with the reference', () => {
    for (let n = 0; n < 2000; n++) {
      const prefix = `1101011980${String(101 + (n % 12) * 100).padStart(4, '0')}${String(n).padStart(3, '0')}`;
      assert.equal(checkCharacter(prefix), referenceCheckCharacter(prefix), prefix);
    }
  });
});

describe('isValidIdNumber refusals', () => {
  test('refuses a wrong check character', () => {
    assert.equal(isValidIdNumber('440524188001010015'), false);
    assert.equal(isValidIdNumber('110105194912310021'), false);
  });
  test('refuses 17 and 19 characters', () => {
    assert.equal(isValidIdNumber('44052418800101001'), false);
    assert.equal(isValidIdNumber('4405241880010100140'), false);
  });
  test('refuses letters inside the number', () => {
    assert.equal(isValidIdNumber('4405241880010100A4'), false);
    assert.equal(isValidIdNumber('44052418800101A014'), false);
  });
  test('refuses month 13 even with a correct check character', () => {
    const id = withCheckCharacter('44052418801301001');
    assert.equal(referenceCheckCharacter(id.slice(0, 17)), id[17]);
    assert.equal(isValidIdNumber(id), false);
  });
  test('refuses day 00 even with a correct check character', () => {
    assert.equal(isValidIdNumber(withCheckCharacter('44052418800100001')), false);
  });
  test('refuses a lowercase x until it is normalised', () => {
    assert.equal(isValidIdNumber('11010519491231002x'), false);
  });
});

describe('normalizeIdNumber and maskIdNumber', () => {
  test('a lowercase x is upper-cased and blanks trimmed, so one person has one spelling', () => {
    assert.equal(normalizeIdNumber(' 11010519491231002x '), '11010519491231002X');
    assert.equal(isValidIdNumber(normalizeIdNumber('11010519491231002x')), true);
  });
  test('the mask shows only the first 3 and last 4 characters', () => {
    assert.equal(maskIdNumber('440524188001010014'), '440***********0014');
    const masked = maskIdNumber('11010519491231002X');
    assert.equal(masked.length, 18);
    assert.match(masked, /^110\*{11}002X$/);
  });
});
