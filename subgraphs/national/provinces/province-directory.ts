import type { ServiceCredential } from '../../common/auth/service-credential';
import { Refusal, RefusalCode } from '../../common/errors';
import { type InternalClient, internalClient, ServiceUnreachable } from '../../common/internal-rpc';

/**
 * The provincial deployments the national subgraph can call for internal operations, by code.
 * A province without a deployment, or one that does not answer, is PROVINCE_UNAVAILABLE.
 */
export class ProvinceDirectory {
  private readonly clients: Map<string, InternalClient>;

  constructor(baseUrls: Record<string, string>, credential: ServiceCredential) {
    this.clients = new Map(Object.entries(baseUrls).map(([code, url]) => [code, internalClient(url, credential)]));
  }

  get connected(): string[] {
    return [...this.clients.keys()].sort();
  }

  isConnected(province: string): boolean {
    return this.clients.has(province);
  }

  /** Calls an internal operation of a province; refusals pass through unchanged. */
  async call<Out>(province: string, operation: string, input: unknown): Promise<Out> {
    const client = this.clients.get(province);
    if (!client) {
      throw new Refusal(RefusalCode.PROVINCE_UNAVAILABLE, `Province ${province} is not connected to the platform.`);
    }
    try {
      return await client.call<Out>(operation, input);
    } catch (error) {
      if (error instanceof ServiceUnreachable) {
        throw new Refusal(RefusalCode.PROVINCE_UNAVAILABLE, `Province ${province} is not answering; try again later.`);
      }
      throw error;
    }
  }
}

/** Parses "32=http://host:port,13=http://host:port" into base URLs by province code. */
export function parseProvinceUrls(text: string | undefined): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const pair of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [code, url] = pair.split('=');
    if (!/^\d{2}$/.test(code) || !url) throw new Error(`bad province URL entry "${pair}"`);
    urls[code] = url.replace(/\/graphql$/, '').replace(/\/$/, '');
  }
  return urls;
}
