import assert from 'node:assert/strict';
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
  const health = (await (await fetch(`${cluster.gateway.baseUrl}/health`)).json()) as { provinces: { province: string; state: string }[] };
  return health.provinces.find((p) => p.province === province)?.state;
}

/** Runs `work` while a province's deployment is stopped, then starts it again and waits until the gateway uses it. */
export async function whileDown(cluster: TestCluster, province: string, work: () => Promise<void>): Promise<void> {
  await cluster.stopService(province);
  try {
    await work();
  } finally {
    await cluster.restart(province);
    await eventually(async () => (await deploymentState(cluster, province)) === 'healthy', `province ${province} healthy again`);
  }
}
