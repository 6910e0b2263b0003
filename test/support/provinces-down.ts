import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { TestCluster } from './cluster-fixture';

/** Polls `check` until it holds (no assumption about the machine's speed), or fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within ${timeoutMs / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The gateway's view of one province's deployment (GET /health). */
export async function deploymentState(cluster: TestCluster, province: string): Promise<string | undefined> {
  const health = (await (await fetch(`${cluster.gateway.baseUrl}/health`)).json()) as {
    provinces: { province: string; state: string }[];
  };
  return health.provinces.find((p) => p.province === province)?.state;
}

/** Runs `work` while a province's deployment is stopped, then starts it again and waits until the gateway uses it. */
export async function whileDown(cluster: TestCluster, province: string, work: () => Promise<void>): Promise<void> {
  await cluster.stopService(province);
  try {
    await work();
  } finally {
    await cluster.restart(province);
    await eventually(
      async () => (await deploymentState(cluster, province)) === 'healthy',
      `province ${province} healthy again`,
    );
  }
}

/**
 * A stand-in on a province's port that serves the province schema with one field more (a drifted
 * deployment) and answers `entities` to any other fetch. Close it before starting the province again.
 */
export async function driftedImpostor(port: number, entities: unknown[]): Promise<Server> {
  const expected = readFileSync(join(__dirname, '..', '..', '..', 'schema', 'province.graphql'), 'utf8');
  const drifted = expected.replace(
    /type Member\s+@key\(fields: "id"\)\s*\{/,
    (member) => `${member}\n  nickname: String`,
  );
  assert.notEqual(drifted, expected, 'the drifted schema differs');
  const impostor = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ data: { _service: { sdl: drifted }, _entities: entities } }));
  });
  await new Promise<void>((resolve) => impostor.listen(port, '127.0.0.1', resolve));
  return impostor;
}
