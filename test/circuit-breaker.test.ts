import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from '../subgraphs/common/circuit-breaker';

describe('CircuitBreaker: a province that keeps timing out is failed fast, and probed back', () => {
  const settings = { failuresToOpen: 3, openMs: 1000 };

  test('one slow request does not open it, and an answer resets the count', () => {
    const breaker = new CircuitBreaker(settings);
    breaker.silent(0);
    breaker.silent(0);
    breaker.answered();
    breaker.silent(0);
    breaker.silent(0);
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.admit(0), true);
  });

  test('repeated timeouts open it: calls fail fast until a probe is due', () => {
    const breaker = new CircuitBreaker(settings);
    for (let i = 0; i < 3; i++) breaker.silent(100);
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.failsFast(500), true);
    assert.equal(breaker.admit(500), false);
  });

  test('half-open lets one probe through; its answer closes the breaker', () => {
    const breaker = new CircuitBreaker(settings);
    for (let i = 0; i < 3; i++) breaker.silent(0);
    assert.equal(breaker.admit(1000), true, 'the probe');
    assert.equal(breaker.state, 'half-open');
    assert.equal(breaker.admit(1001), false, 'only one probe at a time');
    breaker.answered();
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.admit(1002), true);
  });

  test('a silent probe opens it again for another period', () => {
    const changes: string[] = [];
    const breaker = new CircuitBreaker(settings, (state) => changes.push(state));
    for (let i = 0; i < 3; i++) breaker.silent(0);
    assert.equal(breaker.admit(1000), true);
    breaker.silent(1000);
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.admit(1999), false);
    assert.equal(breaker.admit(2000), true);
    assert.deepEqual(changes, ['open', 'half-open', 'open', 'half-open']);
  });
});
