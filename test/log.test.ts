import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { createLogger } from '../subgraphs/common/platform/log';
import { personalDataIn } from './support/log-privacy';

/** What the services' logger writes: JSON lines with no personal data and no credential, whatever it is given. */
function capture(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, log: createLogger(sink) };
}

const ID_NUMBER = '510105199003120031';
const TOKEN = 'eyJhbGciOiJFZERTQSIsImtpZCI6ImRldiJ9.eyJzdWIiOiIzMjA1MDAtMDAwMDAwMDEifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

test('fields that hold personal data or credentials are censored by name', () => {
  const { lines, log } = capture();
  log.info(
    {
      idNumber: ID_NUMBER,
      name: '伍强',
      phone: '13903120031',
      authorization: `Bearer ${TOKEN}`,
      input: { name: '伍强', idNumber: ID_NUMBER },
    },
    'enrolled',
  );
  const entry = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.deepEqual(
    [entry.idNumber, entry.name, entry.phone, entry.authorization],
    ['[redacted]', '[redacted]', '[redacted]', '[redacted]'],
  );
  assert.deepEqual(entry.input, { name: '[redacted]', idNumber: '[redacted]' });
  assert.deepEqual(personalDataIn(lines[0]), []);
});

test('messages and fields are scrubbed of ID numbers, mobile numbers and tokens', () => {
  const { lines, log } = capture();
  log.error(
    { error: `duplicate key (id_number)=(${ID_NUMBER}) for 13903120031` },
    `request with Bearer ${TOKEN} failed for ${ID_NUMBER.toLowerCase()}`,
  );
  const entry = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.equal(entry.error, 'duplicate key (id_number)=([id number]) for [phone]');
  assert.equal(entry.msg, 'request with Bearer [token] failed for [id number]');
  assert.deepEqual(personalDataIn(lines[0]), []);
});

test('what looks alike but is not personal is left alone: trace ids, member ids, amounts, times', () => {
  const { lines, log } = capture();
  const fields = {
    traceId: 'a13903120031b0000000013903120031',
    memberId: '320500-00000001',
    amount: '13903120031.00',
    durationMs: 12.5,
  };
  log.info(fields, 'request');
  const entry = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.deepEqual(
    { traceId: entry.traceId, memberId: entry.memberId, amount: entry.amount, durationMs: entry.durationMs },
    fields,
  );
  assert.equal(typeof entry.time, 'string');
  assert.equal(entry.level, 'info');
});

test('the search of log lines finds what it must', () => {
  assert.deepEqual(personalDataIn(`{"msg":"${ID_NUMBER}"}`), ['demo data 5…', 'an ID number']);
  assert.deepEqual(personalDataIn('{"msg":"call 13812345678"}'), ['a mobile number']);
  assert.deepEqual(personalDataIn(`{"msg":"${TOKEN}"}`), ['a token']);
  assert.deepEqual(personalDataIn('{"msg":"伍强"}'), ['demo data 伍…']);
});

test('a process warning is a JSON log line, not Node’s plain text on stderr', () => {
  const child = spawnSync(
    process.execPath,
    [
      '-e',
      `
    require(${JSON.stringify(require.resolve('../subgraphs/common/platform/log'))}).logProcessWarnings();
    process.emitWarning('client.query() while a query runs', { type: 'DeprecationWarning', code: 'DEP_TEST' });
    setTimeout(() => {}, 50);`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(child.stderr, '');
  const entry = JSON.parse(child.stdout.trim()) as Record<string, unknown>;
  assert.deepEqual(
    [entry.level, entry.msg, entry.warning, entry.code],
    ['warn', 'process warning', 'DeprecationWarning', 'DEP_TEST'],
  );
});
