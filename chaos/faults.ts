import type { Cluster } from '../cluster/cluster';
import type { ServiceProcess } from '../cluster/service-process';
import { CRASH_POINTS } from '../subgraphs/common/platform/crash-point';
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
 * Random kills (each copy of each service at least once when there are enough), and crashes at every CRASH_AT
 * point or at some. `copiesOf` a service run as several copies: each fault is one copy's, the
 * copies of a service taking their turns (its first fault the first copy's, its second the
 * second's, …; kills and crashes apart), so that every copy is killed, and crashed, when there are
 * faults enough.
 */
export function faultPlan(
  random: Random,
  provinces: string[],
  randomKills: number,
  crashPoints: 'all' | number,
  copiesOf: (service: string) => string[] = (service) => [service],
): Fault[] {
  const targets = [...provinces, 'national', 'gateway'];
  // The first kills go round every service, as many times as it has copies: each copy is killed once.
  const rounds = Math.max(...targets.map((t) => copiesOf(t).length));
  const everyCopy = Array.from({ length: rounds }, (_, round) =>
    targets.filter((t) => copiesOf(t).length > round),
  ).flat();
  const kills: Fault[] = Array.from({ length: randomKills }, (_, i) => ({
    target: i < everyCopy.length ? everyCopy[i] : random.pick(targets),
  }));
  const everyCrash: Fault[] = [
    ...CRASH_POINTS.province.map((crashAt) => ({ target: random.pick(provinces), crashAt })),
    ...CRASH_POINTS.national.map((crashAt) => ({ target: 'national', crashAt })),
  ];
  const crashes = crashPoints === 'all' ? everyCrash : shuffle(random, everyCrash).slice(0, crashPoints);
  const turns = new Map<string, number>();
  return shuffle(random, [...kills, ...crashes]).map((fault) => {
    const copies = copiesOf(fault.target);
    const kind = `${fault.target} ${fault.crashAt ? 'crash' : 'kill'}`; // kills and crashes each go round the copies
    const turn = turns.get(kind) ?? 0;
    turns.set(kind, turn + 1);
    return { ...fault, target: copies[turn % copies.length] };
  });
}

const alive = (service: ServiceProcess | undefined) =>
  !!service && service.child.exitCode === null && service.child.signalCode === null;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long a crash point may take to be reached by the running operations, for each copy of the
 * service (a copy of national gets its share of the gateway's requests only; a province's armed
 * copy gets every request of its operation, see the kit's front).
 */
const CRASH_POINT_WAIT_MS = 60_000;

export async function inject(cluster: Cluster, fault: Fault, random: Random): Promise<FaultRecord> {
  const started = Date.now();
  let killed: boolean;
  let copyDown: FaultRecord['copyDown'];
  if (fault.crashAt) {
    const armed = await cluster.restart(fault.target, { CRASH_AT: fault.crashAt });
    const deadline = Date.now() + CRASH_POINT_WAIT_MS * cluster.copiesOf(fault.target.split('#')[0]).length;
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
  return {
    ...fault,
    killed,
    downMs: Date.now() - (fault.crashAt ? downFrom : started),
    ...(copyDown ? { copyDown } : {}),
  };
}
