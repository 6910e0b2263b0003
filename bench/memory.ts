import { childrenOf, peakKiBOf, resetPeakOf } from './proc';

/**
 * Peak resident memory (VmHWM from /proc/<pid>/status) of the cluster's processes, sampled during
 * the run so that PostgreSQL backends that come and go are seen too. Linux only; elsewhere empty.
 */
export interface MemoryPeak {
  process: string;
  pid: number;
  peakMiB: number;
}

/** The gateway's peak during one phase of the run (from one "measuring …" line to the next). */
export interface PhasePeak {
  phase: string;
  peakMiB: number;
}

export class MemorySampler {
  private readonly peaks = new Map<string, MemoryPeak>();
  private readonly phases: PhasePeak[] = [];
  private readonly backendPids = new Set<number>();
  private largestBackend: MemoryPeak | undefined;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly services: () => Map<string, number>,
    private readonly postmaster: () => number | undefined,
  ) {}

  start(intervalMs = 1000): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /**
   * Starts a phase: the gateway's peak is started afresh (after the overall peaks took the last
   * one in), so that each phase shows its own. Without permission to reset, no phases are kept.
   */
  phase(name: string): void {
    this.sample();
    const gateway = this.services().get('gateway');
    if (gateway === undefined || !resetPeakOf(gateway)) return;
    this.phases.push({ phase: name, peakMiB: 0 });
    this.sample();
  }

  /** The gateway's peak in each phase, in the order they ran. */
  phasePeaks(): PhasePeak[] {
    return this.phases.filter((p) => p.peakMiB > 0);
  }

  stop(): MemoryPeak[] {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const rows = [...this.peaks.values()];
    if (this.largestBackend) {
      rows.push({ ...this.largestBackend, process: `postgres backend, largest of ${this.backendPids.size}` });
    }
    return rows;
  }

  private record(process: string, pid: number): number | undefined {
    const kib = peakKiBOf(pid);
    if (kib === undefined) return undefined;
    const peakMiB = Math.round((kib / 1024) * 10) / 10;
    const known = this.peaks.get(process);
    if (!known || known.peakMiB < peakMiB) this.peaks.set(process, { process, pid, peakMiB });
    const phase = this.phases.at(-1);
    if (process === 'gateway' && phase && phase.peakMiB < peakMiB) phase.peakMiB = peakMiB;
    return peakMiB;
  }

  private sample(): void {
    for (const [name, pid] of this.services()) this.record(name, pid);
    const postmaster = this.postmaster();
    if (postmaster === undefined) return;
    this.record('postgres (postmaster)', postmaster);
    for (const pid of childrenOf(postmaster)) {
      const kib = peakKiBOf(pid);
      if (kib === undefined) continue;
      this.backendPids.add(pid);
      const peakMiB = Math.round((kib / 1024) * 10) / 10;
      if (!this.largestBackend || this.largestBackend.peakMiB < peakMiB)
        this.largestBackend = { process: 'backend', pid, peakMiB };
    }
  }
}
