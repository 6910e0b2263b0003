import { createHash } from 'node:crypto';
import type { ServiceCredential } from '../subgraphs/common/platform/auth/service-credential';
import { deadlines } from '../subgraphs/common/platform/http/deadlines';
import { inSpan } from '../subgraphs/common/platform/observability/tracing';

/**
 * Whether each provincial deployment serves the `province` subgraph SDL checked in under schema/.
 * A deployment that serves anything else has drifted: it is reported and never routed to.
 */
export type DeploymentState = 'unverified' | 'healthy' | 'drifted' | 'unreachable';

export interface DeploymentStatus {
  province: string;
  url: string;
  state: DeploymentState;
  checkedAt: string | null;
  detail?: string;
  /** Unreachable because the check got no answer in time (a silent deployment), not a refused connection. */
  timedOut?: boolean;
}

const UNHEALTHY_RECHECK_MS = 1000;
/** A check waits no longer than this, nor than a fetch of the province may (PROVINCE_CALL_TIMEOUT_MS). */

const sdlHash = (sdl: string) => createHash('sha256').update(sdl.trim()).digest('hex').slice(0, 16);

export class DeploymentHealth {
  private readonly statuses = new Map<string, DeploymentStatus>();
  private readonly expectedHash: string;
  private readonly inFlight = new Map<string, Promise<DeploymentStatus>>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    deployments: Record<string, string>,
    private readonly credential: Pick<ServiceCredential, 'token'>,
    expectedSdl: string,
    private readonly onChange?: (s: DeploymentStatus) => void,
  ) {
    this.expectedHash = sdlHash(expectedSdl);
    for (const [province, url] of Object.entries(deployments)) {
      this.statuses.set(province, { province, url, state: 'unverified', checkedAt: null });
    }
  }

  status(province: string): DeploymentStatus | undefined {
    return this.statuses.get(province);
  }

  all(): DeploymentStatus[] {
    return [...this.statuses.values()];
  }

  markUnreachable(province: string, detail: string): void {
    const status = this.statuses.get(province);
    if (status && status.state === 'healthy') this.update({ ...status, state: 'unreachable', detail });
  }

  /** Checks one deployment now (concurrent callers share the check). */
  check(province: string): Promise<DeploymentStatus> {
    const running = this.inFlight.get(province);
    if (running) return running;
    const check = inSpan('check province deployment', { attributes: { 'wallet.province': province } }, () =>
      this.fetchState(province),
    ).finally(() => this.inFlight.delete(province));
    this.inFlight.set(province, check);
    return check;
  }

  checkAll(): Promise<DeploymentStatus[]> {
    return Promise.all([...this.statuses.keys()].map((p) => this.check(p)));
  }

  /**
   * Checks every deployment now and then every `intervalMs`; a deployment that is not healthy is
   * checked every second, so a restarted province is routed to again as soon as it answers.
   */
  async start(intervalMs: number): Promise<void> {
    await this.checkAll();
    const recheck = () =>
      [...this.statuses.values()].filter((s) => s.state !== 'healthy').forEach((s) => void this.check(s.province));
    this.timers = [
      setInterval(() => void this.checkAll(), intervalMs),
      setInterval(recheck, Math.min(UNHEALTHY_RECHECK_MS, intervalMs)),
    ];
    for (const timer of this.timers) timer.unref();
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private async fetchState(province: string): Promise<DeploymentStatus> {
    const status = this.statuses.get(province) as DeploymentStatus;
    let next: DeploymentStatus;
    try {
      const response = await fetch(status.url, {
        method: 'POST',
        // The SDL is told to the gateway's own service token only.
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await this.credential.token()}` },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
        signal: AbortSignal.timeout(Math.min(3000, deadlines().provinceCallMs)),
      });
      const body = (await response.json()) as { data?: { _service?: { sdl?: string } } };
      const sdl = body.data?._service?.sdl;
      if (typeof sdl !== 'string') {
        next = { ...status, state: 'unreachable', detail: `no SDL (HTTP ${response.status})` };
      } else if (sdlHash(sdl) !== this.expectedHash) {
        next = { ...status, state: 'drifted', detail: `serves SDL ${sdlHash(sdl)}, expected ${this.expectedHash}` };
      } else {
        next = { ...status, state: 'healthy', detail: undefined, timedOut: undefined };
      }
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      next = { ...status, state: 'unreachable', detail: (error as Error).message, timedOut };
    }
    this.update({ ...next, checkedAt: new Date().toISOString() });
    return this.statuses.get(province) as DeploymentStatus;
  }

  private update(next: DeploymentStatus): void {
    const previous = this.statuses.get(next.province);
    this.statuses.set(next.province, next);
    if (previous?.state !== next.state) this.onChange?.(next);
  }
}
