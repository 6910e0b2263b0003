import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import { formatError } from '../subgraphs/common/platform/graphql/apollo';

/** A service that loses its database while answering says "in doubt" (R30), never "internal error" nor a refusal. */
describe('formatError: a lost database is an outcome in doubt', () => {
  const asResolverError = (original: Error) =>
    new GraphQLError(original.message, { path: ['transferQuota'], originalError: original });
  const format = (original: Error) =>
    formatError(
      { message: original.message, path: ['transferQuota'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      asResolverError(original),
    );

  test('a statement without an answer in time, a broken connection, a connection that could not be opened', () => {
    const wrapped = Object.assign(new Error('query failed'), { driverError: new Error('Query read timeout') });
    for (const error of [
      new Error('Query read timeout'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      wrapped,
    ]) {
      const answer = format(error);
      assert.equal(answer.extensions?.code, 'OUTCOME_PENDING', error.message);
      assert.deepEqual(answer.path, ['transferQuota']);
      assert.match(answer.message, /lost its database/);
    }
  });

  test('any other fault stays an internal error, its detail hidden', () => {
    const answer = format(new Error('Cannot read properties of undefined'));
    assert.deepEqual([answer.extensions?.code, answer.message], ['INTERNAL_SERVER_ERROR', 'Internal server error.']);
  });
});
