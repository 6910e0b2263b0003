import type { ServiceCredential } from '../../common/auth/service-credential';
import { Refusal, RefusalCode } from '../../common/errors';
import { request } from 'undici';
import { type InputOf, type OutputOf, type ProvinceOperations, provinceOperations } from '../../common/internal-contract';
import { type InternalClient, internalClient, ServiceUnreachable } from '../../common/internal-rpc';

/**
 * The provincial deployments the national subgraph can call for internal operations, by code.
 * A province without a deployment, or one that does not answer, is PROVINCE_UNAVAILABLE.
 */
export class ProvinceDirectory {
  private readonly clients: Map<string, InternalClient<ProvinceOperations>>;
  /** Provinces whose last call did not get through, and so are asked first before new work is recorded. */
  private readonly suspect = new Set<string>();

  constructor(private readonly baseUrls: Record<string, string>, credential: ServiceCredential) {
    this.clients = new Map(Object.entries(baseUrls).map(([code, url]) => [code, internalClient(url, provinceOperations, credential)]));
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
    if (!this.suspect.has(province)) return;
    try {
      const response = await request(`${this.baseUrls[province]}/health`, { headersTimeout: 1000, bodyTimeout: 1000 });
      await response.body.dump();
      if (response.statusCode === 200) {
        this.suspect.delete(province);
        return;
      }
    } catch {
      // not answering: refused below
    }
    throw notAnswering(province);
  }

  /** Calls an internal operation of a province; refusals pass through unchanged. */
  async call<Name extends keyof ProvinceOperations>(
    province: string,
    operation: Name,
    input: InputOf<ProvinceOperations, Name>,
  ): Promise<OutputOf<ProvinceOperations, Name>> {
    const client = this.clients.get(province);
    if (!client) throw notConnected(province);
    try {
      const result = await client.call(operation, input);
      this.suspect.delete(province);
      return result;
    } catch (error) {
      if (error instanceof ServiceUnreachable) {
        this.suspect.add(province);
        throw notAnswering(province);
      }
      throw error;
    }
  }
}

const notConnected = (province: string) =>
  new Refusal(RefusalCode.PROVINCE_UNAVAILABLE, `Province ${province} is not connected to the platform; nothing was done.`, { province });
const notAnswering = (province: string) =>
  new Refusal(RefusalCode.PROVINCE_UNAVAILABLE, `Province ${province} is not answering; nothing was done. Try again later.`, { province });
