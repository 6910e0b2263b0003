import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { faultPlan } from '../chaos/faults';
import { Random } from '../chaos/random';
import { startRoundRobinFront } from '../cluster/round-robin-front';
import { freePort } from '../cluster/service-process';
import { CRASH_POINTS } from '../subgraphs/common/platform/crash-point';

/**
 * How a fault-injection run with copies reaches every copy: its plan kills each copy of each
 * service once before any twice and sends crashes round the copies, and the kit's front gives a
 * copy armed with a crash point every request of that operation (the others when it is down).
 */
const copiesOf = (service: string) => [`${service}#1`, `${service}#2`];

test('with two copies, the first kills kill every copy once, and kills and crashes go round the copies', () => {
  const plan = faultPlan(new Random(7), ['32', '13', '51'], 10, 'all', copiesOf);
  const kills = plan
    .filter((f) => !f.crashAt)
    .map((f) => f.target)
    .sort();
  assert.deepEqual(kills, ['13', '32', '51', 'gateway', 'national'].flatMap(copiesOf).sort());
  const crashesOf = (copy: string) => plan.filter((f) => f.crashAt && f.target === copy).length;
  assert.equal(crashesOf('national#1') + crashesOf('national#2'), CRASH_POINTS.national.length);
  assert.ok(Math.abs(crashesOf('national#1') - crashesOf('national#2')) <= 1, 'national crashes in both copies alike');
  for (const province of ['32', '13', '51'])
    assert.ok(
      Math.abs(crashesOf(`${province}#1`) - crashesOf(`${province}#2`)) <= 1,
      `${province}'s crashes in both copies alike`,
    );
  assert.deepEqual(
    faultPlan(new Random(7), ['32'], 3, 0)
      .map((f) => f.target)
      .sort(),
    ['32', 'gateway', 'national'],
    'one copy each: the services themselves',
  );
});

async function copy(name: string): Promise<{ name: string; port: number; server: Server }> {
  const port = await freePort();
  const server = createServer((_, answer) => answer.end(name));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { name, port, server };
}

test('the front sends requests in turn, those of an armed operation to the armed copy first, and to the others when it is down', async () => {
  const [one, two] = [await copy('one'), await copy('two')];
  const front = await startRoundRobinFront(
    await freePort(),
    () => [one.port, two.port],
    (path) => (path === '/internal/moveIn' ? two.port : undefined),
  );
  const ask = async (path: string) => (await fetch(`http://127.0.0.1:${front.port}${path}`, { method: 'POST' })).text();
  try {
    assert.deepEqual([await ask('/graphql'), await ask('/graphql')].sort(), ['one', 'two'], 'in turn');
    for (let i = 0; i < 4; i++)
      assert.equal(await ask('/internal/moveIn'), 'two', 'the armed operation to the armed copy');
    await new Promise((resolve) => two.server.close(resolve));
    assert.equal(await ask('/internal/moveIn'), 'one', 'the armed copy down: another copy');
  } finally {
    await front.close();
    one.server.close();
    two.server.close();
  }
});
