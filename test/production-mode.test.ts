import 'reflect-metadata';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subgraphServer } from '../subgraphs/common/apollo';
import { Role } from '../subgraphs/common/auth/caller';
import { buildProvinceSchema } from '../subgraphs/province/schema';

test('in production mode introspection is off and errors carry no stack trace', async () => {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    const server = subgraphServer(await buildProvinceSchema());
    await server.start();
    const caller = { role: Role.NATIONAL_DASHBOARD, subject: 'test' } as const;
    const result = await server.executeOperation({ query: '{ __schema { queryType { name } } }' }, { contextValue: { caller } });
    assert.equal(result.body.kind, 'single');
    const errors = result.body.kind === 'single' ? result.body.singleResult.errors ?? [] : [];
    assert.equal(errors.length, 1);
    assert.equal(errors[0].extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.ok(!('stacktrace' in (errors[0].extensions ?? {})));
    await server.stop();
  } finally {
    process.env.NODE_ENV = previous;
  }
});
