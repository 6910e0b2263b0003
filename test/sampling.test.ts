import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { entrySampling } from '../subgraphs/common/platform/observability/sampling';
import { parseTraceParent } from '../subgraphs/common/platform/observability/trace-context';

/** Where a request enters a service, the sampler decides once whether it is traced (see sampling.ts). */
const arriving = (traceparent?: string) => ({ headers: traceparent ? { traceparent } : {} }) as IncomingMessage;
const SAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const NOT_SAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

test('a parent-based sampler follows the caller’s decision; without one, its own', () => {
  const never = entrySampling('parentbased_traceidratio', '0');
  assert.equal(never.traceRequest(arriving(SAMPLED)), true);
  assert.equal(never.traceRequest(arriving(NOT_SAMPLED)), false);
  assert.equal(never.traceRequest(arriving()), false);
  const always = entrySampling('parentbased_always_on', undefined);
  assert.equal(always.traceRequest(arriving(NOT_SAMPLED)), false);
  assert.equal(always.traceRequest(arriving()), true);
});

test('a sampler that is not parent-based decides alone; a ratio traces about its share', () => {
  assert.equal(entrySampling('always_on', undefined).traceRequest(arriving(NOT_SAMPLED)), true);
  assert.equal(entrySampling('always_off', undefined).traceRequest(arriving(SAMPLED)), false);
  const tenth = entrySampling('parentbased_traceidratio', '0.1');
  let traced = 0;
  for (let i = 0; i < 10_000; i++) if (tenth.traceRequest(arriving())) traced++;
  assert.ok(traced > 800 && traced < 1200, `${traced} of 10,000 traced`);
});

test('a traceparent that is not W3C, or names the invalid trace, is none', () => {
  assert.deepEqual(parseTraceParent(SAMPLED), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    sampled: true,
  });
  assert.equal(parseTraceParent(`00-${'0'.repeat(32)}-b7ad6b7169203331-01`), undefined);
  assert.equal(parseTraceParent('garbage'), undefined);
  assert.equal(parseTraceParent(undefined), undefined);
});
