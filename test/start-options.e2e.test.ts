import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { graphql } from '../cluster/graphql-client';
import { madeIdentityProvider } from '../cluster/keys';
import { tokenRequest } from '../cluster/parties';
import { LOCK_FILE } from '../cluster/start-lock';
import { issueToken } from '../subgraphs/common/platform/auth/tokens';
import { LAUNCH, PROJECT, processesMentioning, run, script, start } from './support/run-script';
import { freeBase, portsOf, untilFree } from './support/start-ports';

/**
 * `npm start` as a newcomer runs it: the real script. Bad options are refused before anything
 * starts (exit 2, nothing written); a start says "starting" on /health until "Try it" works; a
 * second start on the same folder or ports is refused without touching anything; a failed start
 * and a stopped one leave no process behind.
 */
const CLUSTER = script('cluster');
const folders: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'wallet-start-'));
  chmodSync(dir, 0o755); // run as root, the embedded PostgreSQL runs as its own user, who must reach the folder inside
  folders.push(dir);
  return dir;
};

after(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('options are refused before anything starts', () => {
  const refusals: [string, string[], RegExp, Record<string, string>?][] = [
    [
      'a port that is not a number',
      ['--port', 'abc'],
      /--port "abc" is not a port for the gateway: a whole number from 1 to 65433/,
    ],
    ['a port above 65535', ['--port', '70000'], /--port "70000" is not a port/],
    [
      'a port without room for the provinces above it',
      ['--port', '65500'],
      /port\+100 to port\+102, and no port is above 65535/,
    ],
    [
      '--provinces all: 31 provinces, port+100 to port+130',
      ['--provinces', 'all', '--port', '65420'],
      /the 31 provinces port\+100 to port\+130/,
    ],
    ['port 0', ['--port', '0'], /--port "0" is not a port/],
    ['a negative port', ['--port', '-5'], /--port "-5" is not a port/],
    ['a province that is not GB/T 2260', ['--provinces', '99'], /--provinces: "99" is not a GB\/T 2260 province code/],
    ['letters for a province', ['--provinces', 'abc'], /--provinces: "abc" is not a GB\/T 2260 province code/],
    ['no province', ['--provinces', ''], /--provinces names no province/],
    ['a province twice', ['--provinces', '32,32'], /--provinces: province 32 is listed twice/],
    [
      'PROVINCES from the environment, checked alike',
      [],
      /PROVINCES: "99" is not a GB\/T 2260 province code/,
      { PROVINCES: '32,99' },
    ],
    [
      'GATEWAY_PORT from the environment, checked alike',
      [],
      /GATEWAY_PORT "4000x" is not a port/,
      { GATEWAY_PORT: '4000x' },
    ],
    ['an unknown option', ['--prot', '4000'], /unknown option --prot/],
    ['a stray argument', ['4000'], /unexpected argument 4000/],
    ['a switch given a value', ['--reset=yes'], /--reset takes no value/],
    ['an option without its value', ['--port'], /--port needs a value/],
  ];
  for (const [name, args, message, env] of refusals) {
    test(name, async () => {
      const dataDir = join(folder(), 'data');
      const result = await run(CLUSTER, [...args, '--data-dir', dataDir], env);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /npm start -- --help lists the options/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(result.stdout, '', 'nothing was started');
      assert.equal(existsSync(dataDir), false, 'nothing was written');
    });
  }

  test('a province listed twice, which once started two deployments on one port, starts nothing at all', async () => {
    const base = await freeBase(2);
    const dataDir = join(folder(), 'data');
    const result = await run(CLUSTER, ['--port', String(base), '--provinces', '32,32', '--data-dir', dataDir]);
    assert.equal(result.code, 2, result.stderr);
    await untilFree(portsOf(base, 2), 'the refused start');
    assert.deepEqual(processesMentioning([dataDir, ...portsOf(base, 2).map((port) => ` PORT=${port} `)]), []);
  });

  test('--help lists what each option accepts', async () => {
    const result = await run(CLUSTER, ['--help']);
    assert.equal(result.code, 0);
    for (const text of [
      '--provinces 32,13,51',
      'GB/T 2260',
      '--port 4000',
      'at most 65535',
      '--data-dir .data',
      '--reset',
      '--no-demo',
      '--quiet',
      '--namespaces',
      '"starting"',
    ]) {
      assert.ok(result.stdout.includes(text), `--help mentions ${text}`);
    }
  });
});

describe('a start, a second start, and a stop', () => {
  test('/health says "starting" until the demo is there; a second start is refused untouched; Ctrl-C leaves nothing running', async () => {
    const base = await freeBase(1);
    const dataDir = join(folder(), 'data');
    const first = start(CLUSTER, ['--port', String(base), '--provinces', '32', '--data-dir', dataDir, '--quiet']);
    try {
      // Poll /health as a newcomer's script would; the first 200 must mean "Try it" works.
      const seen = new Set<string>();
      const deadline = Date.now() + 240_000;
      let ok = false;
      while (!ok && Date.now() < deadline && first.child.exitCode === null) {
        const response = await fetch(`http://127.0.0.1:${base}/health`).catch(() => undefined);
        if (response) {
          const body = (await response.json()) as { status: string };
          seen.add(`${response.status} ${body.status}`);
          ok = response.status === 200;
        }
        if (!ok) await sleep(100);
      }
      assert.ok(ok, `health never said ok: ${[...seen].join(', ')}\n${first.stdout()}\n${first.stderr()}`);
      const identity = madeIdentityProvider(join(dataDir, 'keys'));
      assert.ok(identity, 'npm start made the identity provider key in the data folder');
      const portal = await issueToken(identity, tokenRequest({ portal: '32' }));
      const tryIt = await graphql(
        `http://127.0.0.1:${base}/graphql`,
        '{ memberByIdNumber(idNumber: "510105199003120031") { name } }',
        {},
        { authorization: `Bearer ${portal}` },
      );
      assert.deepEqual(
        tryIt,
        { data: { memberByIdNumber: { name: '伍强' } } },
        'the demo is loaded as soon as /health says ok',
      );
      assert.ok(seen.has('503 starting'), `before that, /health said starting (seen: ${[...seen].join(', ')})`);
      assert.ok(existsSync(join(dataDir, LOCK_FILE)));

      // A second start on the same folder, through npm start's own launcher: refused before anything is built.
      const buildState = join(PROJECT, 'dist', 'tsconfig.tsbuildinfo');
      const builtAt = statSync(buildState).mtimeMs;
      const otherBase = await freeBase(1);
      for (const file of [LAUNCH, CLUSTER]) {
        const args = file === LAUNCH ? ['scripts/cluster'] : [];
        const second = await run(file, [
          ...args,
          '--port',
          String(otherBase),
          '--provinces',
          '32',
          '--data-dir',
          dataDir,
        ]);
        assert.equal(second.code, 1, second.stderr);
        assert.match(
          second.stderr,
          new RegExp(
            `npm start is already running on the data folder .* \\(process ${first.child.pid}\\); nothing was started or changed`,
          ),
        );
        assert.equal(second.stdout, '');
      }
      // Options and help come before the folder's lock: they are answered while the first start runs.
      for (const file of [LAUNCH, CLUSTER]) {
        const args = file === LAUNCH ? ['scripts/cluster'] : [];
        const help = await run(file, [...args, '--help', '--data-dir', dataDir]);
        assert.equal(help.code, 0, help.stderr);
        assert.match(help.stdout, /--provinces 32,13,51/);
        const badPort = await run(file, [...args, '--port', '99999', '--data-dir', dataDir]);
        assert.equal(badPort.code, 2, badPort.stderr);
        assert.match(badPort.stderr, /--port "99999" is not a port/);
        assert.doesNotMatch(badPort.stderr, /already running/);
      }
      assert.equal(statSync(buildState).mtimeMs, builtAt, 'dist/ was not rebuilt under the running start');
      await untilFree(portsOf(otherBase, 1), 'the refused start');

      // The same ports with another folder: refused by port, and the other folder is not even made.
      const otherDir = join(folder(), 'other');
      const third = await run(CLUSTER, ['--port', String(base), '--provinces', '32', '--data-dir', otherDir]);
      assert.equal(third.code, 1, third.stderr);
      assert.match(
        third.stderr,
        new RegExp(
          `port ${base} \\(for the gateway\\) is in use: another npm start or another program has it; nothing was started`,
        ),
      );
      assert.equal(existsSync(otherDir), false);
    } finally {
      first.child.kill('SIGINT');
    }
    assert.equal(await first.exited, 0, first.stderr());
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), false, 'the stopped start gave its folder back');
    await untilFree(portsOf(base, 1), 'the stopped start');
    assert.deepEqual(processesMentioning([dataDir]), [], 'no database or service of the stopped start is left');
  });

  test('a start that fails half-way stops every process it started', async () => {
    const base = await freeBase(2);
    const dataDir = join(folder(), 'data');
    // Province 13's database cannot be reached: it fails while 32 and the embedded PostgreSQL start.
    const result = await run(
      CLUSTER,
      ['--port', String(base), '--provinces', '32,13', '--data-dir', dataDir, '--quiet'],
      // Without a short start-up wait, province 13 would keep trying its database for DB_START_WAIT_MS (two minutes).
      { DATABASE_URL_13: 'postgres://postgres:postgres@127.0.0.1:1/nowhere', DB_START_WAIT_MS: '2000' },
    );
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /province 13 exited before it was ready/);
    assert.doesNotMatch(result.stderr, /^undefined$/m);
    await untilFree(portsOf(base, 2), 'the failed start');
    const services = portsOf(base, 2).map((port) => ` PORT=${port} `);
    assert.deepEqual(processesMentioning([dataDir, ...services]), [], 'no process of the failed start is left');
    assert.equal(existsSync(join(dataDir, LOCK_FILE)), false);
  });
});
