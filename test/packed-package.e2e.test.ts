import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '../cluster/service-process';
import { PROJECT } from './support/run-script';

/**
 * The integration-test kit as another project gets it: `npm pack`, the tarball installed into a
 * fresh folder (its dependencies resolved there, without this project's overrides or allowed
 * install scripts), a TypeScript test compiled against its types with skipLibCheck off, and run.
 */
const work = mkdtempSync(join(tmpdir(), 'wallet-packed-'));
chmodSync(work, 0o755); // run as root, the embedded PostgreSQL runs as its own user, who must reach the binaries inside
after(() => rmSync(work, { recursive: true, force: true }));

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function sh(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const environment: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete environment.NODE_TEST_CONTEXT; // the kit test is a run of its own, not a part of this one
    const child = spawn(command, args, { cwd, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

const KIT_TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Cluster, idNumber, startTestCluster } from 'medical-wallet-federation/testing';

test('a province enrols a member, through the packed kit', async () => {
  const platform: Cluster = await startTestCluster({ provinces: ['32'], postgresPort: Number(process.env.KIT_PGPORT) });
  try {
    const { enrollMember } = await platform.as({ portal: '32' }).ok<{ enrollMember: { id: string } }>(
      'mutation($input: EnrollMemberInput!) { enrollMember(input: $input) { id } }',
      { input: { idNumber: idNumber('32050519880808001'), name: '周明', insuranceType: 'EMPLOYEE', poolingRegion: '320500' } },
    );
    assert.match(enrollMember.id, /^320500-/);
  } finally {
    await platform.stop();
  }
});
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'node16',
    moduleResolution: 'node16',
    strict: true,
    skipLibCheck: false,
    types: ['node'],
    outDir: 'out',
    rootDir: '.',
  },
  files: ['kit.test.ts'],
};

test('npm pack, installed in a fresh folder: its types check with skipLibCheck false and a kit test runs', {
  timeout: 1_800_000,
}, async () => {
  // dist/ is built before the tests run (npm test); the pack takes it as it is.
  const packed = await sh(NPM, ['pack', '--ignore-scripts', '--pack-destination', work], PROJECT);
  assert.equal(packed.code, 0, packed.out);
  const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
  assert.ok(tarball, packed.out);

  const user = join(work, 'user');
  mkdirSync(user);
  chmodSync(user, 0o755);
  writeFileSync(join(user, 'package.json'), JSON.stringify({ name: 'kit-user', version: '1.0.0', private: true }));
  const install = await sh(
    NPM,
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(work, tarball),
      'typescript@5.9.3',
      '@types/node@20.19.43',
    ],
    user,
  );
  assert.equal(install.code, 0, install.out);
  assert.doesNotMatch(install.out, /EBADENGINE/, 'every package of the installed tree accepts this Node');

  writeFileSync(join(user, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  writeFileSync(join(user, 'kit.test.ts'), KIT_TEST);
  const compiled = await sh(
    process.execPath,
    [join(user, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', user],
    user,
  );
  assert.equal(compiled.code, 0, compiled.out);

  const ran = await sh(process.execPath, ['--test', join(user, 'out', 'kit.test.js')], user, {
    KIT_PGPORT: String(await freePort()),
  });
  assert.equal(ran.code, 0, ran.out);
  assert.match(ran.out, /# pass 1/);
});
