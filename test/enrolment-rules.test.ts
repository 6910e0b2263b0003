import 'reflect-metadata';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import { type EnrolmentRequest, checkEnrolment } from '../subgraphs/common/domain/enrolment-rules';
import { InsuranceType } from '../subgraphs/common/domain/enums';

function withCode(code: string): (error: unknown) => boolean {
  return (error: unknown): boolean => {
    assert.ok(error instanceof GraphQLError, `expected a GraphQLError, got ${String(error)}`);
    assert.equal(error.extensions.code, code);
    return true;
  };
}

/** A valid request for Suzhou (320500); each test changes one thing. */
function request(change: Partial<EnrolmentRequest> = {}): EnrolmentRequest {
  return {
    idNumber: '440524188001010014',
    name: '伍强',
    insuranceType: InsuranceType.EMPLOYEE,
    poolingRegion: '320500',
    ...change,
  };
}

describe('checkEnrolment refusals (nothing is written)', () => {
  for (const idNumber of ['440524188001010015', '44052418800101001', 'abc', '']) {
    test(`refuses the ID number ${JSON.stringify(idNumber)} with INVALID_ID_NUMBER`, () => {
      assert.throws(() => checkEnrolment(request({ idNumber })), withCode('INVALID_ID_NUMBER'));
    });
  }

  for (const name of ['', '   ', 'Wei2', '张3', 'a'.repeat(51), '<script>', 'Robert; DROP TABLE']) {
    test(`refuses the name ${JSON.stringify(name.length > 20 ? `${name.slice(0, 5)}…(${name.length})` : name)} with INVALID_NAME`, () => {
      assert.throws(() => checkEnrolment(request({ name })), withCode('INVALID_NAME'));
    });
  }

  test('refuses an unknown insurance type with INVALID_ARGUMENT', () => {
    const insuranceType = 'PRIVATE' as unknown as InsuranceType;
    assert.throws(() => checkEnrolment(request({ insuranceType })), withCode('INVALID_ARGUMENT'));
  });

  test('refuses an unknown pooling region with UNKNOWN_POOLING_REGION', () => {
    assert.throws(() => checkEnrolment(request({ poolingRegion: '999999' })), withCode('UNKNOWN_POOLING_REGION'));
  });

  test('a province refuses a pooling region of another province with REGION_OF_OTHER_PROVINCE', () => {
    assert.throws(
      () => checkEnrolment(request({ poolingRegion: '510100' }), '32'),
      withCode('REGION_OF_OTHER_PROVINCE'),
    );
  });
});

describe('checkEnrolment acceptance', () => {
  test('normalises the ID number and trims the name', () => {
    const checked = checkEnrolment(request({ idNumber: ' 11010519491231002x ', name: '  欧阳娜娜 ' }), '32');
    assert.deepEqual(checked, request({ idNumber: '11010519491231002X', name: '欧阳娜娜' }));
  });

  for (const name of ['伍强', '欧阳娜娜', 'Zhang Wei', '阿依古丽·买买提', 'a'.repeat(50)]) {
    test(`accepts the name ${name.length > 20 ? `of ${name.length} letters` : name}`, () => {
      assert.equal(checkEnrolment(request({ name })).name, name);
    });
  }

  test('accepts a region of another province when no own province is given (national)', () => {
    assert.equal(checkEnrolment(request({ poolingRegion: '510100' })).poolingRegion, '510100');
  });

  test('accepts a resident', () => {
    assert.equal(checkEnrolment(request({ insuranceType: InsuranceType.RESIDENT })).insuranceType, 'RESIDENT');
  });
});
