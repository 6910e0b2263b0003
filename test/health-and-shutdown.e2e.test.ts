import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { startCluster, type Cluster } from '../cluster/cluster';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../cluster/embedded-database';
import { freePort } from '../cluster/service-process';
import { PROVINCE_MIGRATIONS } from '../subgraphs/province/migrations';

/**
 * The probes an orchestrator uses (GET /health/live, GET /health/ready, no token), the `migrate`
 * entry point, and a graceful shutdown: SIGTERM lets a request in flight finish, then exit 0.
 * The cluster's databases live in a PostgreSQL of this test's own, so that it can be stopped.
 */
const dir = mkdtempSync(join(tmpdir(), 'wallet-health-')); // the database's own folder (its server owns it)
let database: EmbeddedDatabase;
let cluster: Cluster;

before(async () => {
  database = await startEmbeddedDatabase({
    dataDir: dir,
    port: await freePort(),
    databases: ['national', 'province_32', 'province_fresh'],
    persistent: false,
  });
  cluster = await startCluster({
    provinces: ['32'],
    dataDir: `${dir}-unused`, // every database is given: none is embedded by the kit
    ephemeral: true,
    databaseUrls: { national: database.urlOf('national'), '32': database.urlOf('province_32') },
  });
});

after(async () => {
  await cluster?.stop();
  await database?.stop().catch(() => undefined); // stopped already by the last test
  rmSync(dir, { recursive: true, force: true });
});

async function probe(
  baseUrl: string,
  path: string,
): Promise<{ status: number; body: { status: string; checks?: Record<string, string> } }> {
  const response = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(30_000) });
  return {
    status: response.status,
    body: (await response.json()) as { status: string; checks?: Record<string, string> },
  };
}

const services = () => ({
  gateway: cluster.gateway.baseUrl,
  national: cluster.national.baseUrl,
  'province 32': (cluster.provinces.get('32') as { baseUrl: string }).baseUrl,
});

async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('every service answers live and ready without a token, and keeps GET /health', async () => {
  for (const [name, baseUrl] of Object.entries(services())) {
    assert.deepEqual(await probe(baseUrl, '/health/live'), { status: 200, body: { status: 'live' } }, name);
    const ready = await probe(baseUrl, '/health/ready');
    assert.equal(ready.status, 200, `${name}: ${JSON.stringify(ready.body)}`);
    assert.equal(ready.body.status, 'ready');
    assert.ok(
      Object.values(ready.body.checks ?? {}).every((c) => c === 'ok'),
      name,
    );
    assert.equal((await fetch(`${baseUrl}/health`)).status, 200, `${name} keeps GET /health`);
  }
  assert.deepEqual(Object.keys((await probe(services().gateway, '/health/ready')).body.checks ?? {}).sort(), [
    'keys',
    'national',
    'supergraph',
  ]);
  assert.deepEqual(Object.keys((await probe(services()['province 32'], '/health/ready')).body.checks ?? {}).sort(), [
    'database',
    'keys',
  ]);
});

test('the migrate entry point brings an empty database up to date and exits 0', async () => {
  const script = join(__dirname, '..', 'subgraphs', 'province', 'migrate.js');
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, DATABASE_URL: database.urlOf('province_fresh') },
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0);
  const client = new Client({ connectionString: database.urlOf('province_fresh') });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM migrations');
    assert.equal(rows[0].n, PROVINCE_MIGRATIONS.length);
  } finally {
    await client.end();
  }
});

test('SIGTERM during a slow request: no new connection is taken, the request finishes, the process exits 0', async () => {
  const province = cluster.provinces.get('32');
  assert.ok(province);
  // The request is made slow for real: the table it reads is locked until this test lets go.
  const locker = new Client({ connectionString: database.urlOf('province_32') });
  const watcher = new Client({ connectionString: database.urlOf('province_32') }); // pg_stat_activity is read once per transaction: not the locker's
  await locker.connect();
  await watcher.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE member IN ACCESS EXCLUSIVE MODE');
    let early: unknown;
    const answer = cluster.as({ portal: '32' }).query(`query { members(province: "32") { edges { node { id } } } }`);
    void answer.then((a) => (early = a));
    await waitFor(
      'the request waits on the lock',
      async () => {
        if (early) throw new Error(`answered before the lock was released: ${JSON.stringify(early)}`);
        const { rows } = await watcher.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'province_32' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        return rows[0].n;
      },
      (n) => n > 0,
    );
    const exited = new Promise<number | null>((resolve) => province.child.once('exit', (code) => resolve(code)));
    province.child.kill('SIGTERM');
    await waitFor(
      'the province stops accepting',
      () =>
        fetch(`${province.baseUrl}/health/live`).then(
          () => 'accepting',
          () => 'refused',
        ),
      (s) => s === 'refused',
    );
    assert.equal(province.child.exitCode, null, 'the process waits for its request in flight');
    await locker.query('COMMIT');
    const result = await answer;
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.deepEqual(result.data, { members: { edges: [] } });
    assert.equal(await exited, 0);
  } finally {
    await locker.end();
    await watcher.end();
  }
  await cluster.restart('32');
});

test('readiness goes 503 while the database is stopped; liveness stays 200', async () => {
  const { national, 'province 32': province, gateway } = services();
  await database.stop();
  for (const [name, baseUrl] of [
    ['national', national],
    ['province 32', province],
  ]) {
    const ready = await waitFor(
      `${name} ready`,
      () => probe(baseUrl, '/health/ready'),
      (r) => r.status === 503,
    );
    assert.equal(ready.body.status, 'not ready');
    assert.notEqual(ready.body.checks?.database, 'ok', `${name} names its database`);
    assert.equal(ready.body.checks?.keys, 'ok');
    assert.equal((await probe(baseUrl, '/health/live')).status, 200, `${name} is still live`);
  }
  // National's process answers: the gateway stays in service (and answers NATIONAL_UNAVAILABLE per request).
  assert.equal((await probe(gateway, '/health/ready')).status, 200);
});
