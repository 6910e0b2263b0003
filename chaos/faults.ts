import type { Cluster } from '../cluster/cluster';
import type { ServiceProcess } from '../cluster/service-process';
import { CRASH_POINTS } from '../subgraphs/common/crash-point';
import type { Random } from './random';

/**
 * The faults of the run: SIGKILLs of provinces, national and the gateway at random moments, and a
 * crash at every CRASH_AT point (the service is restarted with CRASH_AT and kills itself when an
 * operation reaches that point). Every service comes back on the same port and database.
 */
export interface Fault {
  target: string; // a province code, 'national' or 'gateway', or one copy of it ('national#2')
  crashAt?: string;
}

export interface FaultRecord extends Fault {
  /** A kill that happened (a crash point not reached in time is restarted without dying). */
  killed: boolean;
  downMs: number;
  /** A killed copy of a service run as several: from when it is surely gone until it is started again (epoch ms). */
  copyDown?: { from: number; to: number };
}

function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * Random kills (each service at least once when there are enough), and crashes at every CRASH_AT
 * point or at some. `copiesOf` a service run as several copies: each fault is one copy's, at random.
 */
export function faultPlan(
  random: Random,
  provinces: string[],
  randomKills: number,
  crashPoints: 'all' | number,
  copiesOf: (service: string) => string[] = (service) => [service],
): Fault[] {
  const targets = [...provinces, 'national', 'gateway'];
  const kills: Fault[] = Array.from({ length: randomKills }, (_, i) => ({ target: i < targets.length ? targets[i] : random.pick(targets) }));
  const everyCrash: Fault[] = [
    ...CRASH_POINTS.province.map((crashAt) => ({ target: random.pick(provinces), crashAt })),
    ...CRASH_POINTS.national.map((crashAt) => ({ target: 'national', crashAt })),
  ];
  const crashes = crashPoints === 'all' ? everyCrash : shuffle(random, everyCrash).slice(0, crashPoints);
  return shuffle(random, [...kills, ...crashes]).map((fault) => ({ ...fault, target: random.pick(copiesOf(fault.target)) }));
}

const alive = (service: ServiceProcess | undefined) => !!service && service.child.exitCode === null && service.child.signalCode === null;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a crash point may take to be reached by the running operations. */
const CRASH_POINT_WAIT_MS = 60_000;

export async function inject(cluster: Cluster, fault: Fault, random: Random): Promise<FaultRecord> {
  const started = Date.now();
  let killed: boolean;
  let copyDown: FaultRecord['copyDown'];
  if (fault.crashAt) {
    const armed = await cluster.restart(fault.target, { CRASH_AT: fault.crashAt });
    const deadline = Date.now() + CRASH_POINT_WAIT_MS;
    while (alive(armed) && Date.now() < deadline) await sleep(50);
    killed = !alive(armed);
  } else {
    await cluster.kill(fault.target);
    killed = true;
    const oneCopy = fault.target.includes('#');
    // A copy stays down longer, so that requests are sent while it is: the other copies answer them.
    await sleep(oneCopy ? random.int(1500, 3000) : random.int(200, 1500));
    if (oneCopy) copyDown = { from: started + 1000, to: Date.now() }; // the first second: connections to it are being given up
  }
  const downFrom = Date.now();
  await cluster.restart(fault.target);
  return { ...fault, killed, downMs: Date.now() - (fault.crashAt ? downFrom : started), ...(copyDown ? { copyDown } : {}) };
}
