import type { ServiceCredential } from '../../common/platform/auth/service-credential';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { request } from 'undici';
import {
  type InputOf,
  type OutputOf,
  type ProvinceOperations,
  provinceOperations,
} from '../../common/platform/http/internal-contract';
import { type InternalClient, internalClient, ServiceUnreachable } from '../../common/platform/http/internal-rpc';
import { type BreakerSettings, Breakers } from '../../common/platform/http/circuit-breaker';
import { deadlines } from '../../common/platform/http/deadlines';
import { log } from '../../common/platform/log';
import { retryRead } from '../../common/platform/http/read-retry';

/**
 * The provincial deployments the national subgraph can call for internal operations, by code.
 * A province without a deployment, or one that does not answer, is PROVINCE_UNAVAILABLE. Every call
 * has the province deadline (PROVINCE_CALL_TIMEOUT_MS); a province that keeps not answering in time
 * is failed fast by its circuit breaker until a probe gets an answer (circuit-breaker.ts).
 */
export class ProvinceDirectory {
  private readonly clients: Map<string, InternalClient<ProvinceOperations>>;
  /** Provinces whose last call did not get through, and so are asked first before new work is recorded. */
  private readonly suspect = new Set<string>();
  private readonly breakers: Breakers;
  private readonly timeoutMs: number;

  constructor(
    private readonly baseUrls: Record<string, string>,
    credential: ServiceCredential,
    breaker?: BreakerSettings,
  ) {
    this.timeoutMs = deadlines().provinceCallMs;
    this.clients = new Map(
      Object.entries(baseUrls).map(([code, url]) => [
        code,
        internalClient(url, provinceOperations, credential, this.timeoutMs),
      ]),
    );
    this.breakers = new Breakers(breaker, (province, state) =>
      log.info({ province, breaker: state }, `province ${province}: circuit breaker ${state}`),
    );
  }

  get connected(): string[] {
    return [...this.clients.keys()].sort();
  }

  isConnected(province: string): boolean {
    return this.clients.has(province);
  }

  /**
   * R30: called before an operation that needs the province is recorded, so that a province known
   * to be down gets a refusal (nothing recorded) instead of an operation left in doubt. Costs nothing
   * while the province answers; after a failed call it asks the province's /health first.
   */
  async requireAnswering(province: string): Promise<void> {
    if (!this.clients.has(province)) throw notConnected(province);
    const breaker = this.breakers.of(province);
    if (breaker.failsFast()) throw notAnswering(province);
    if (!this.suspect.has(province)) return;
    if (!breaker.admit()) throw notAnswering(province); // another request is probing it now
    const waitMs = Math.min(HEALTH_PROBE_MS, this.timeoutMs);
    try {
      const response = await request(`${this.baseUrls[province]}/health`, {
        headersTimeout: waitMs,
        bodyTimeout: waitMs,
        signal: AbortSignal.timeout(waitMs),
      });
      await response.body.dump();
      if (response.statusCode === 200) {
        breaker.answered();
        this.suspect.delete(province);
        return;
      }
      breaker.answered(); // it answers, but says it cannot work (its database is out of reach)
    } catch (error) {
      if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') breaker.silent();
      else breaker.answered(); // refused: down, not silent
    }
    throw notAnswering(province);
  }

  /**
   * Calls an internal operation of a province; refusals pass through unchanged. `read`: the
   * operation changes nothing, so a refused or reset connection is tried again within the deadline.
   */
  async call<Name extends keyof ProvinceOperations & string>(
    province: string,
    operation: Name,
    input: InputOf<ProvinceOperations, Name>,
    options: { read?: boolean } = {},
  ): Promise<OutputOf<ProvinceOperations, Name>> {
    const client = this.clients.get(province);
    if (!client) throw notConnected(province);
    const breaker = this.breakers.of(province);
    if (!breaker.admit()) throw notAnswering(province);
    try {
      const once = () => client.call(operation, input);
      const result = options.read ? await retryRead(once, Date.now() + this.timeoutMs) : await once();
      breaker.answered();
      this.suspect.delete(province);
      return result;
    } catch (error) {
      if (error instanceof ServiceUnreachable) {
        // Only silence opens the breaker: a refused connection (a process that is down) fails fast by itself,
        // and the province must be used again as soon as it is back.
        if (error.timedOut) breaker.silent();
        else breaker.answered();
        this.suspect.add(province);
        if (!error.neverSent) throw notAnswering(province);
        log.warn({ province, error: error.message }, `province ${province} not reached: the request was not sent`);
        throw new ProvinceNotReached(province);
      }
      breaker.answered();
      throw error;
    }
  }
}

/**
 * PROVINCE_UNAVAILABLE where the request never left national (the connection refused, or the TLS
 * handshake failed): the province did nothing, so a money path may answer this refusal (R30) even
 * after recording its operation, by removing the record, instead of OUTCOME_PENDING.
 */
export class ProvinceNotReached extends Refusal {
  constructor(province: string) {
    super(
      RefusalCode.PROVINCE_UNAVAILABLE,
      `Province ${province} could not be reached (no connection, or its certificate was not accepted); nothing was done. Try again later.`,
      { province },
    );
  }
}

/** How long the check before recording new work waits for a suspect province's /health. */
const HEALTH_PROBE_MS = 1000;

const notConnected = (province: string) =>
  new Refusal(
    RefusalCode.PROVINCE_UNAVAILABLE,
    `Province ${province} is not connected to the platform; nothing was done.`,
    { province },
  );
const notAnswering = (province: string) =>
  new Refusal(
    RefusalCode.PROVINCE_UNAVAILABLE,
    `Province ${province} is not answering; nothing was done. Try again later.`,
    { province },
  );
