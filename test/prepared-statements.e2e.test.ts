import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../cluster/embedded-database';
import { freePort } from '../cluster/service-process';
import { PreparingClient } from '../subgraphs/common/platform/data/prepared-statements';

/** Every service's pg connections prepare each parameterised text once, and never without bound. */
let database: EmbeddedDatabase;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'prepared-statements-'));
  database = await startEmbeddedDatabase({
    dataDir,
    port: await freePort(),
    databases: ['prepared'],
    persistent: false,
  });
});

after(async () => {
  await database?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function connected(): Promise<PreparingClient> {
  const client = new PreparingClient({ connectionString: database.urlOf('prepared') });
  await client.connect();
  return client;
}

const prepared = async (client: PreparingClient) =>
  (await client.query(`SELECT name, statement FROM pg_prepared_statements ORDER BY name`)).rows as {
    name: string;
    statement: string;
  }[];

test('a parameterised text is prepared once per connection, under the same name in every connection', async () => {
  const [first, second] = [await connected(), await connected()];
  try {
    for (const n of [1, 2, 3])
      assert.deepEqual((await first.query(`SELECT $1::int + 1 AS next`, [n])).rows, [{ next: n + 1 }]);
    assert.deepEqual((await second.query(`SELECT $1::int + 1 AS next`, [9])).rows, [{ next: 10 }]);
    const [one, two] = [await prepared(first), await prepared(second)];
    assert.equal(one.length, 1);
    assert.deepEqual(two, one);
    assert.equal(one[0].statement, 'SELECT $1::int + 1 AS next');
    await first.query(`SELECT 1 AS plain`);
    assert.equal((await prepared(first)).length, 1, 'a text without parameters is sent as it is');
    await assert.rejects(first.query(`SELECT $1::int / 0`, [1]), /division by zero/);
    assert.deepEqual(
      (await first.query(`SELECT $1::int + 1 AS next`, [41])).rows,
      [{ next: 42 }],
      'the connection goes on after an error',
    );
  } finally {
    await Promise.all([first.end(), second.end()]);
  }
});

test('past 2,000 distinct texts, the rest run unprepared', async () => {
  const client = await connected();
  try {
    for (let i = 0; i < 2100; i++) await client.query(`SELECT $1::int AS n${i}`, [i]);
    const names = await prepared(client);
    assert.ok(names.length < 2000, `${names.length} statements prepared in this connection`);
    assert.ok(!names.some((s) => s.statement === 'SELECT $1::int AS n2099'));
    assert.equal((await client.query(`SELECT $1::int AS n2099`, [7])).rows[0].n2099, 7);
  } finally {
    await client.end();
  }
});
