import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isMemberId,
  memberId,
  provinceOfKeyFields,
  provinceOfMemberId,
  regionOfMemberId,
} from '../subgraphs/common/domain/routing-keys';

describe('member ids begin with the pooling region', () => {
  test('memberId pads the sequence to eight digits', () => {
    assert.equal(memberId('320500', 42), '320500-00000042');
    assert.equal(memberId('510100', 7n), '510100-00000007');
    assert.equal(memberId('130100', '12345678'), '130100-12345678');
  });

  test('isMemberId and regionOfMemberId read only the exact form', () => {
    assert.equal(isMemberId('320500-00000042'), true);
    assert.equal(regionOfMemberId('320500-00000042'), '320500');
    for (const id of ['320500-42', '32050-00000042', '320500_00000042', 'not-an-id', ' 320500-00000042']) {
      assert.equal(isMemberId(id), false, id);
      assert.equal(regionOfMemberId(id), undefined, id);
    }
  });

  test('provinceOfMemberId is the first two digits of the region', () => {
    assert.equal(provinceOfMemberId('320500-00000042'), '32');
    assert.equal(provinceOfMemberId('510100-00000002'), '51');
    assert.equal(provinceOfMemberId('not-an-id'), undefined);
  });
});

describe('provinceOfKeyFields: every province-owned key names its province', () => {
  const routed: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ['a province by its code', { code: '32' }, '32'],
    ['an entity by its member id', { id: '320500-00000001' }, '32'],
    ['a memberId argument', { memberId: '510100-00000002' }, '51'],
    ['a memberId one level inside input', { input: { memberId: '130100-00000003' } }, '13'],
    ['a poolingRegion inside input', { input: { poolingRegion: '510100' } }, '51'],
    ['a province argument', { province: '13' }, '13'],
    ['an inline ID literal the query planner printed as an Int', { province: 32 }, '32'],
    ['an inline pooling region printed as an Int', { poolingRegion: 510100 }, '51'],
  ];
  for (const [what, fields, province] of routed) {
    test(`routes ${what} to province ${province}`, () => {
      assert.equal(provinceOfKeyFields(fields), province);
    });
  }

  const unroutable: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
    ['a province code that is not a province', { province: '99' }],
    ['an id that is not a member id', { id: 'not-an-id' }],
    ['no fields', {}],
    ['a key nested below a non-input object', { input: { details: { memberId: '130100-00000003' } } }],
    ['a pooling region that is not six digits', { poolingRegion: '5101' }],
    ['a non-string key', { memberId: 320500 }],
    ['a number that is no province', { province: 3.2 }],
    ['an input that is an array', { input: [{ memberId: '130100-00000003' }] }],
  ];
  for (const [what, fields] of unroutable) {
    test(`does not route ${what}`, () => {
      assert.equal(provinceOfKeyFields(fields), undefined);
    });
  }

  test('a field that names no province is passed over for the next one', () => {
    assert.equal(provinceOfKeyFields({ province: '99', memberId: '320500-00000001' }), '32');
  });

  test('looks only one level into input (input.input is not followed)', () => {
    assert.equal(provinceOfKeyFields({ input: { input: { memberId: '130100-00000003' } } }), undefined);
  });

  test('a member id whose region names no province is unroutable, not unavailable', () => {
    assert.equal(provinceOfKeyFields({ id: '990100-00000001' }), undefined);
  });
});
