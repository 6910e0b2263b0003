import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { identityProvider, jwksFile } from '../cluster/keys';
import { Role } from '../subgraphs/common/platform/auth/caller';
import { TrustedKeySet } from '../subgraphs/common/platform/auth/key-set';
import {
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  MAX_TOKEN_LIFETIME_SECONDS,
  verifyToken,
} from '../subgraphs/common/platform/auth/tokens';
import { run, script } from './support/run-script';

/**
 * `npm run token` as a newcomer runs it: the real script. Every option is checked, each mistake
 * said in one sentence with exit code 2 and no token; a data folder without the identity
 * provider's key is refused and nothing is written there.
 */
const TOKEN = script('token');
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wallet-token-'));
  await identityProvider(join(dataDir, 'keys')); // as npm start makes it on its first start
});

after(() => rmSync(dataDir, { recursive: true, force: true }));

const token = (...args: string[]) => run(TOKEN, [...args, '--data-dir', dataDir]);

describe('npm run token refuses what it cannot sign', () => {
  const refusals: [string, string[], RegExp][] = [
    ['no role', [], /--role is needed: member, portal, operator or dashboard/],
    ['an unknown role', ['--role', 'admin'], /--role "admin" is not a role/],
    [
      'a province that is not GB/T 2260',
      ['--role', 'portal', '--province', '99'],
      /--province: "99" is not a GB\/T 2260 province code/,
    ],
    [
      'letters for a province',
      ['--role', 'portal', '--province', 'abc'],
      /--province: "abc" is not a GB\/T 2260 province code/,
    ],
    ['two provinces', ['--role', 'portal', '--province', '32,51'], /--province takes one province code/],
    ['a portal without its province', ['--role', 'portal'], /--role portal needs --province/],
    [
      'an operator without an operator id',
      ['--role', 'operator', '--province', '32'],
      /--role operator needs --operator/,
    ],
    ['a member id that is not one', ['--role', 'member', '--member', 'nobody'], /--member "nobody" is not a member id/],
    [
      'a member id of an unknown pooling region',
      ['--role', 'member', '--member', '990100-00000001'],
      /names the pooling region 990100, which the platform does not know/,
    ],
    [
      'a province for a member',
      ['--role', 'member', '--member', '320500-00000001', '--province', '51'],
      /--province is not for --role member/,
    ],
    [
      'a member for the dashboard',
      ['--role', 'dashboard', '--member', '320500-00000001'],
      /--member is not for --role dashboard/,
    ],
    [
      'a ttl that is not a number',
      ['--role', 'dashboard', '--ttl', 'abc'],
      /--ttl "abc" is not a lifetime: a whole number of seconds from 1 to 2592000 \(30 days\)/,
    ],
    ['a ttl of 0 (expired at once)', ['--role', 'dashboard', '--ttl', '0'], /--ttl "0" is not a lifetime/],
    ['a negative ttl', ['--role', 'dashboard', '--ttl', '-5'], /--ttl "-5" is not a lifetime/],
    ['a ttl of 3,000 years', ['--role', 'dashboard', '--ttl', '99999999999'], /--ttl "99999999999" is not a lifetime/],
    [
      'a ttl one second over 30 days',
      ['--role', 'dashboard', '--ttl', String(MAX_TOKEN_LIFETIME_SECONDS + 1)],
      /is not a lifetime/,
    ],
    ['a fractional ttl', ['--role', 'dashboard', '--ttl', '1.5'], /--ttl "1.5" is not a lifetime/],
    ['an unknown option', ['--role', 'dashboard', '--rol', 'x'], /unknown option --rol/],
    ['--rotate with a role', ['--rotate', '--role', 'dashboard'], /--rotate takes no other option but --data-dir/],
  ];
  for (const [name, args, message] of refusals) {
    test(name, async () => {
      const result = await token(...args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /npm run token -- --help lists the options/);
      assert.equal(result.stdout, '', 'no token');
    });
  }

  test('a data folder without the identity provider key is refused, and no key is made there', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'wallet-token-empty-'));
    const missing = join(empty, 'nowhere');
    try {
      for (const folder of [empty, missing]) {
        for (const args of [['--role', 'dashboard'], ['--rotate'], ['--retire-old']]) {
          const result = await run(TOKEN, [...args, '--data-dir', folder]);
          assert.equal(result.code, 2, result.stderr);
          assert.match(
            result.stderr,
            /holds no identity provider key .*: npm start makes it on its first start. Give the --data-dir that npm start uses/,
          );
          assert.equal(result.stdout, '');
        }
      }
      assert.deepEqual(readdirSync(empty), [], 'nothing was written');
      assert.equal(existsSync(missing), false);
      mkdirSync(join(empty, 'keys'));
      assert.equal(
        (await run(TOKEN, ['--role', 'dashboard', '--data-dir', empty])).code,
        2,
        'a keys folder without the key is no better',
      );
      assert.deepEqual(readdirSync(join(empty, 'keys')), []);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('npm run token prints a token the services accept, and only the token', () => {
  const keys = async () => ({
    keys: await TrustedKeySet.load({ file: jwksFile(join(dataDir, 'keys')) }, { label: 'JWKS' }),
    issuer: DEFAULT_ISSUER,
    audience: DEFAULT_AUDIENCE,
  });

  const accepted: [string[], Record<string, unknown>][] = [
    [
      ['--role', 'member', '--member', '320500-00000001'],
      { role: Role.MEMBER, memberId: '320500-00000001', province: '32' },
    ],
    [['--role', 'portal', '--province', '32'], { role: Role.PROVINCIAL_PORTAL, province: '32' }],
    [
      ['--role', 'operator', '--province', '51', '--operator', 'CD-0007'],
      { role: Role.WINDOW_OPERATOR, province: '51', operatorId: 'CD-0007' },
    ],
    [['--role', 'dashboard', '--ttl', String(MAX_TOKEN_LIFETIME_SECONDS)], { role: Role.NATIONAL_DASHBOARD }],
  ];
  for (const [args, caller] of accepted) {
    test(args.join(' '), async () => {
      const result = await token(...args);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const printed = result.stdout.trim();
      assert.match(printed, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'stdout holds just the token');
      const claims = decodeJwt(printed);
      const ttl = args.includes('--ttl') ? MAX_TOKEN_LIFETIME_SECONDS : 8 * 3600;
      assert.equal((claims.exp as number) - (claims.iat as number), ttl);
      const verified = await verifyToken(await keys(), printed);
      for (const [name, value] of Object.entries(caller))
        assert.equal(verified[name as keyof typeof verified], value, name);
    });
  }
});
