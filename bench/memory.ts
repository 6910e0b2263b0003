import { childrenOf, peakKiBOf } from './proc';

/**
 * Peak resident memory (VmHWM from /proc/<pid>/status) of the cluster's processes, sampled during
 * the run so that PostgreSQL backends that come and go are seen too. Linux only; elsewhere empty.
 */
export interface MemoryPeak {
  process: string;
  pid: number;
  peakMiB: number;
}

export class MemorySampler {
  private readonly peaks = new Map<string, MemoryPeak>();
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
