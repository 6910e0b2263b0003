import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { readGatewaySettings } from '../gateway/config';
import { CONFIGURATION_DOC, configurationDoc } from '../scripts/configuration-doc';
import { ConfigurationError } from '../subgraphs/common/platform/config/settings';
import { readNationalSettings } from '../subgraphs/national/config';
import { readProvinceSettings } from '../subgraphs/province/config';
import { PROJECT, run } from './support/run-script';

/** What every service needs to start: the identity provider's keys (one source). */
const KEYS = { JWKS: '{"keys":[]}' };
const PROVINCE = { ...KEYS, PROVINCE: '32', DATABASE_URL: 'postgres://wallet:secret@db.example/province_32' };

const refusal = (sentence: string) => (error: unknown) =>
  error instanceof ConfigurationError && error.message === sentence;

test('a province reads its variables once, typed, with the defaults of its schema', () => {
  const settings = readProvinceSettings({
    ...PROVINCE,
    PORT: '4100',
    LOG_LEVEL: 'warn',
    CRASH_AT: 'placeHold:after',
    HOST: '',
  });
  assert.equal(settings.PORT, 4100);
  assert.equal(settings.PROVINCE, '32');
  assert.equal(settings.LOG_LEVEL, 'warn');
  assert.equal(settings.CRASH_AT, 'placeHold:after');
  assert.equal(settings.HOST, undefined, 'an empty variable counts as not set');
  assert.equal(settings.METRICS, 'on');
  assert.equal(settings.JWKS_REFRESH_MS, 60_000);
});

test('a bad or missing variable is refused with one sentence naming each one at fault', () => {
  assert.throws(
    () => readProvinceSettings({ ...PROVINCE, PORT: 'abc' }),
    refusal('province cannot start: PORT must be a whole number from 0 to 65535 (it is "abc").'),
  );
  assert.throws(
    () => readProvinceSettings({ ...PROVINCE, PORT: '70000', PROVINCE: '3' }),
    refusal(
      'province cannot start: PROVINCE must be a two-digit province code (it is "3"); PORT must be a whole number from 0 to 65535 (it is "70000").',
    ),
  );
  assert.throws(
    () => readProvinceSettings({ ...KEYS, PROVINCE: '32' }),
    refusal('province cannot start: DATABASE_URL must be set.'),
  );
  assert.throws(
    () => readProvinceSettings({ ...PROVINCE, METRICS: 'maybe' }),
    refusal('province cannot start: METRICS must be one of on, off (it is "maybe").'),
  );
  assert.throws(
    () => readProvinceSettings({ ...PROVINCE, CRASH_AT: 'recordTransfer:after' }),
    /CRASH_AT must be one of placeHold:before/,
    "national's crash points are not a province's",
  );
  assert.throws(
    () => readNationalSettings({ ...KEYS, DATABASE_URL: 'postgres://n', RECOVERY_INTERVAL_MS: '0' }),
    refusal('national cannot start: RECOVERY_INTERVAL_MS must be a whole number ≥ 1 (it is "0").'),
  );
  assert.throws(
    () => readNationalSettings({ ...KEYS, DATABASE_URL: 'postgres://n', ADJUSTABLE_CLOCK: 'yes' }),
    refusal('national cannot start: ADJUSTABLE_CLOCK must be 1 or 0 (it is "yes").'),
  );
  assert.throws(
    () => readNationalSettings({ ...KEYS, DATABASE_URL: 'postgres://n', PROVINCE_URLS: '32=http://p:4100,13' }),
    refusal('national cannot start: PROVINCE_URLS has a bad entry "13" (code=URL, comma-separated).'),
  );
  assert.throws(
    () => readGatewaySettings({ ...KEYS, NATIONAL_URL: 'http://n:4001/graphql', RATE_LIMIT_PER_SECOND: 'x' }),
    refusal('gateway cannot start: RATE_LIMIT_PER_SECOND must be a number greater than 0, or off (it is "x").'),
  );
  assert.throws(
    () => readGatewaySettings({ ...KEYS, NATIONAL_URL: 'http://n', RATE_LIMIT_BURST: '0.5' }),
    refusal('gateway cannot start: RATE_LIMIT_BURST must be a number ≥ 1 (it is "0.5").'),
  );
  assert.throws(
    () => readGatewaySettings({ ...KEYS, NATIONAL_URL: 'http://n', CORS_ORIGINS: 'https://*.example.cn' }),
    refusal(
      'gateway cannot start: CORS_ORIGINS has "https://*.example.cn", which is not an origin (scheme://host[:port], no path, no wildcard).',
    ),
  );
});

test('variables that exclude each other, or a missing key source, are refused too', () => {
  assert.throws(
    () => readProvinceSettings({ ...PROVINCE, JWKS_FILE: 'keys.json' }),
    refusal('province cannot start: set only one of JWKS_FILE, JWKS.'),
  );
  assert.throws(
    () => readProvinceSettings({ ...PROVINCE, SERVICE_KEY: '{}', SERVICE_KEY_FILE: 'key.json' }),
    refusal('province cannot start: set only one of SERVICE_KEY_FILE, SERVICE_KEY.'),
  );
  assert.throws(
    () => readProvinceSettings({ PROVINCE: '32', DATABASE_URL: 'postgres://p' }),
    refusal("province cannot start: the identity provider's public keys are needed: set JWKS_URL, JWKS_FILE or JWKS."),
  );
});

test('a secret is never repeated in the sentence', () => {
  assert.throws(
    () => readProvinceSettings({ ...PROVINCE, DATABASE_URL: 'not a url with secret password' }),
    (error: Error) =>
      error.message === 'province cannot start: DATABASE_URL must be a URL.' && !error.message.includes('secret'),
  );
});

test('a service with a bad variable stops at once: exit 2 and the sentence, no stack trace', async () => {
  const result = await run(join(PROJECT, 'dist', 'subgraphs', 'province', 'main.js'), [], { ...PROVINCE, PORT: 'abc' });
  assert.equal(result.code, 2, result.stderr);
  const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { level?: string; msg?: string };
  assert.deepEqual(
    [line.level, line.msg],
    ['fatal', 'province cannot start: PORT must be a whole number from 0 to 65535 (it is "abc").'],
  );
  assert.doesNotMatch(result.stdout + result.stderr, /\n\s+at /);
});

test('docs/configuration.md is the table the schemas generate (npm run config:docs)', () => {
  assert.equal(
    readFileSync(CONFIGURATION_DOC, 'utf8'),
    configurationDoc(),
    'the documented variables differ from the schemas: run npm run config:docs',
  );
});

/** The one place each service reads its environment (scripts, the cluster kit, tests and benchmarks set it for the processes they start). */
const CONFIG_MODULES = ['gateway/config.ts', 'subgraphs/national/config.ts', 'subgraphs/province/config.ts'];

function sources(dir: string): string[] {
  return readdirSync(join(PROJECT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(PROJECT, join(entry.parentPath, entry.name)));
}

test('no module of gateway/ or subgraphs/ reads process.env but the configuration modules', () => {
  const readers = [...sources('gateway'), ...sources('subgraphs')].filter((file) =>
    /process\s*\.\s*env/.test(readFileSync(join(PROJECT, file), 'utf8')),
  );
  assert.deepEqual(readers.sort(), [...CONFIG_MODULES].sort());
});
