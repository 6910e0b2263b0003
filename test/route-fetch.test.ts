import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { provinceOfRootFields, splitRepresentations } from '../gateway/route-fetch';

describe('splitRepresentations: an entity fetch is split by province', () => {
  test('keeps each representation position and puts unroutable ones apart', () => {
    const { byProvince, unroutable } = splitRepresentations([
      { __typename: 'Member', id: '320500-00000001' },
      { __typename: 'Member', id: '510100-00000002' },
      { __typename: 'Member', id: 'garbage' },
      { __typename: 'Province', code: '32' },
      { __typename: 'Member', id: '320100-00000009' },
      { __typename: 'Province', code: '99' },
    ]);
    assert.deepEqual(
      [...byProvince],
      [
        ['32', [0, 3, 4]],
        ['51', [1]],
      ],
    );
    assert.deepEqual(unroutable, [2, 5]);
  });

  test('an empty list gives nothing', () => {
    const { byProvince, unroutable } = splitRepresentations([]);
    assert.equal(byProvince.size, 0);
    assert.deepEqual(unroutable, []);
  });
});

describe('provinceOfRootFields: any other fetch goes to the one province its root fields name', () => {
  test('reads inline literal arguments', () => {
    assert.deepEqual(provinceOfRootFields('{ member(memberId: "320500-00000001") { name } }', undefined), {
      province: '32',
    });
  });

  test('reads arguments given as variables', () => {
    const query = 'query Q($id: ID!) { member(memberId: $id) { name } }';
    assert.deepEqual(provinceOfRootFields(query, { id: '510100-00000002' }), { province: '51' });
  });

  test('reads an input object variable', () => {
    const query = 'mutation M($input: EnrolInput!) { enrol(input: $input) { id } }';
    const input = { idNumber: '440524188001010014', name: '伍强', poolingRegion: '130100' };
    assert.deepEqual(provinceOfRootFields(query, { input }), { province: '13' });
  });

  test('reads a variable inside an inline input object', () => {
    const query = 'mutation M($region: String!) { enrol(input: { poolingRegion: $region }) { id } }';
    assert.deepEqual(provinceOfRootFields(query, { region: '320500' }), { province: '32' });
  });

  test('two fields naming the same province are routed together; __typename is ignored', () => {
    const query = `{
      __typename
      a: member(memberId: "320500-00000001") { name }
      b: province(code: "32") { name }
    }`;
    assert.deepEqual(provinceOfRootFields(query, undefined), { province: '32' });
  });

  test('two fields naming different provinces are a problem naming both', () => {
    const query = '{ a: member(memberId: "320500-00000001") { name } b: member(memberId: "510100-00000002") { name } }';
    const route = provinceOfRootFields(query, undefined);
    assert.ok('problem' in route, 'expected a problem');
    assert.match(route.problem, /32/);
    assert.match(route.problem, /51/);
  });

  test('a field without a routing argument is a problem naming the field', () => {
    const query = '{ member(memberId: "320500-00000001") { name } nationalStatistics(year: 2024) { total } }';
    const route = provinceOfRootFields(query, undefined);
    assert.ok('problem' in route, 'expected a problem');
    assert.match(route.problem, /"nationalStatistics"/);
  });

  test('a variable that is not given names no province', () => {
    const route = provinceOfRootFields('query Q($id: ID) { member(memberId: $id) { name } }', {});
    assert.ok('problem' in route, 'expected a problem');
    assert.match(route.problem, /"member"/);
  });
});
