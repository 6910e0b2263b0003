import type { Cluster } from '../cluster/cluster';
import type { Random } from './random';

/**
 * The network faults of `npm run chaos -- --network`, besides its kills: every link between the
 * deployments has added latency from the start, and at random moments one link is black-holed,
 * cut one way (answers lost, requests arriving) or reset, or a service is cut from its own
 * database, for 5 to 30 s, then healed. The same checks follow: the platform must neither lose nor
 * make a fen, and every acknowledged answer must hold.
 */
export interface NetworkFault {
  from: string;
  to: string; // a deployment, or 'db' for the service's own database
  kind: 'blackhole' | 'one-way' | 'reset';
  ms: number;
}

export interface NetworkFaultRecord extends NetworkFault {
  /** Operations done when it began. */
  at: number;
}

export const NETWORK_LATENCY = { latencyMs: 20, jitterMs: 10 };
const MIN_MS = 5_000;
const MAX_MS = 30_000;

/** `count` faults on random links, at least one of them a database cut when there are two or more. */
export function networkFaultPlan(random: Random, provinces: string[], count: number): NetworkFault[] {
  const links: [string, string][] = [
    ['gateway', 'national'],
    ...provinces.flatMap((p): [string, string][] => [
      ['gateway', p],
      ['national', p],
      [p, 'db'],
    ]),
    ['national', 'db'],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [from, to] = i === 1 ? [random.pick(provinces), 'db'] : random.pick(links);
    const kind = random.pick(['blackhole', 'one-way', 'reset'] as const);
    return { from, to, kind, ms: random.int(MIN_MS, MAX_MS) };
  });
}

export async function injectNetworkFault(cluster: Cluster, fault: NetworkFault): Promise<void> {
  const link = cluster.link(fault.from, fault.to);
  if (fault.kind === 'blackhole') link.blackhole();
  else if (fault.kind === 'one-way') link.cut('one-way');
  else link.reset();
  await new Promise((resolve) => setTimeout(resolve, fault.ms));
  link.heal();
}

export const describeNetworkFault = (f: NetworkFault) =>
  `${f.kind === 'one-way' ? 'one-way cut' : f.kind} of ${f.from} → ${f.to} for ${(f.ms / 1000).toFixed(1)} s`;
