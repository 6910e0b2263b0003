import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reading processes from /proc (Linux); every function answers undefined or nothing elsewhere. */

/** Fields of /proc/<pid>/stat after the command name, from the 3rd (state) on. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * User + system CPU time in milliseconds (fields 14 and 15 of /proc/<pid>/stat); with
 * `reapedChildren`, also that of its children that have exited (16 and 17). 0 when gone.
 */
export function cpuMsOf(pid: number, reapedChildren = false): number {
  const fields = statFields(pid);
  if (!fields) return 0;
  const ticks =
    Number(fields[11]) + Number(fields[12]) + (reapedChildren ? Number(fields[13]) + Number(fields[14]) : 0);
  return (ticks * 1000) / ticksPerSecond;
}

/** CPU time all processes of the machine spent, in milliseconds (/proc/stat: all but idle and iowait). */
function machineTicks(): number[] | undefined {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    return fields.slice(0, 8).map(Number); // user nice system idle iowait irq softirq steal
  } catch {
    return undefined;
  }
}

export function machineBusyMs(): number | undefined {
  const ticks = machineTicks();
  return ticks && ((ticks.reduce((a, b) => a + b, 0) - ticks[3] - ticks[4] - ticks[7]) * 1000) / ticksPerSecond;
}

/** Time the hypervisor gave this virtual machine's CPUs to someone else (steal), summed over CPUs. */
export function machineStealMs(): number | undefined {
  const ticks = machineTicks();
  return ticks && (ticks[7] * 1000) / ticksPerSecond;
}

/** Peak resident set size (VmHWM) in KiB. */
export function peakKiBOf(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the process's peak resident set size (VmHWM) afresh from its current size; false when not allowed. */
export function resetPeakOf(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export function childrenOf(parent: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => statFields(pid)?.[1] === String(parent));
}

/** The PostgreSQL server's pid, from the first line of postmaster.pid in its data folder. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
