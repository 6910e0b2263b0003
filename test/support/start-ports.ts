import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { portProblem } from '../../cluster/service-process';

/** The ports an `npm start` with this gateway port takes: national +1, PostgreSQL +32, provinces +100…. */
export const portsOf = (base: number, provinces: number) => [
  base,
  base + 1,
  base + 32,
  ...Array.from({ length: provinces }, (_, i) => base + 100 + i),
];

// Below the kernel's ephemeral range (32768–60999 by default), where every free port a test cluster
// asks for and every outgoing connection's own port come from: a fixed range there can be taken
// between its check and `npm start` binding it.
const FIXED_RANGE = { from: 20_000, to: 32_000 };

/** A gateway port whose neighbours (national +1, PostgreSQL +32, provinces +100…) are free too. */
export async function freeBase(provinces: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const span = portsOf(0, provinces).at(-1) as number;
    const base = FIXED_RANGE.from + Math.floor(Math.random() * (FIXED_RANGE.to - FIXED_RANGE.from - span));
    const ports = portsOf(base, provinces);
    if ((await Promise.all(ports.map(portProblem))).every((problem) => problem === undefined)) return base;
  }
  throw new Error('no free range of ports');
}

export async function untilFree(ports: number[], what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let busy: number[] = ports;
  while (Date.now() < deadline) {
    busy = [];
    for (const port of ports) if (await portProblem(port)) busy.push(port);
    if (busy.length === 0) return;
    await sleep(200);
  }
  assert.fail(`${what}: ports ${busy.join(', ')} are still listened on`);
}
