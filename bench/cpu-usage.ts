import { childrenOf, cpuMsOf, machineBusyMs, machineStealMs } from './proc';

/**
 * CPU time (user + system, from /proc/<pid>/stat) each process of the cluster spent while a
 * scenario ran, divided by its operations: on a machine with few cores this says which process
 * an operation's time goes to. PostgreSQL is the sum over its processes; "load generator" is the
 * benchmark process itself; "other" is what the rest of the machine used meanwhile (another job on
 * a shared machine makes every figure worse); "stolen" is CPU time the hypervisor gave to other
 * virtual machines (on a VM whose host is busy, every latency is worse). Linux only; elsewhere empty.
 */
export type CpuTimes = Map<string, number>; // milliseconds by process label

/** `processes` gives pids by label; `postmaster` the PostgreSQL server, whose children are summed. */
export function cpuTimes(processes: Map<string, number>, postmaster: number | undefined): CpuTimes {
  const times: CpuTimes = new Map();
  for (const [label, pid] of processes) times.set(label, cpuMsOf(pid));
  if (postmaster !== undefined) {
    // Backends come and go: those that exited are counted in the postmaster's reaped-children time.
    const live = childrenOf(postmaster).reduce((sum, pid) => sum + cpuMsOf(pid), 0);
    times.set('postgres', cpuMsOf(postmaster, true) + live);
  }
  const own = process.cpuUsage();
  times.set('load generator', (own.user + own.system) / 1000);
  const machine = machineBusyMs();
  if (machine !== undefined) times.set(MACHINE, machine);
  const stolen = machineStealMs();
  if (stolen !== undefined) times.set('stolen', stolen);
  return times;
}

const MACHINE = 'machine';

/** Replaces the machine's total by what processes other than the watched ones used. */
export function withOthers(totals: Map<string, number>): Map<string, number> {
  const machine = totals.get(MACHINE);
  const result = new Map([...totals].filter(([label]) => label !== MACHINE));
  const watched = [...result].filter(([label]) => label !== 'stolen').reduce((sum, [, ms]) => sum + ms, 0);
  if (machine !== undefined) result.set('other', Math.max(0, machine - watched));
  return result;
}
