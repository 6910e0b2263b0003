import { FaultProxy, type LinkControl } from './fault-proxy';

/**
 * The links between the deployments of a cluster, each through its own fault proxy: gateway →
 * national, gateway → each province, national → each province, and each service → its database
 * (`link('32', 'db')`). A service is given its proxy's address instead of its peer's.
 */
export class Links {
  private readonly proxies = new Map<string, FaultProxy>();

  constructor(
    private readonly latencyMs = 0,
    private readonly jitterMs = 0,
    /** Where the proxies of a service's links listen: the address it can reach (its namespace's way out), or loopback. */
    private readonly listenHostOf: (from: string) => string = () => '127.0.0.1',
  ) {}

  /** The address a service at `from` is given for `to`: its link's proxy, opened on first use. */
  async through(
    from: string,
    to: string,
    target: { host: string; port: number },
  ): Promise<{ host: string; port: number }> {
    const name = linkName(from, to);
    let proxy = this.proxies.get(name);
    if (!proxy) {
      proxy = new FaultProxy(name, target);
      // The database link is inside a data centre: the WAN latency applies between deployments only.
      if (to !== 'db') proxy.delay(this.latencyMs, { jitterMs: this.jitterMs });
      await proxy.listen(this.listenHostOf(from));
      this.proxies.set(name, proxy);
    }
    return { host: proxy.host, port: proxy.port };
  }

  /** A URL whose host and port are replaced by the link's proxy. */
  async urlThrough(from: string, to: string, url: string): Promise<string> {
    const parsed = new URL(url);
    const defaultPort = parsed.protocol.startsWith('postgres') ? 5432 : parsed.protocol === 'https:' ? 443 : 80;
    const proxy = await this.through(from, to, { host: parsed.hostname, port: Number(parsed.port || defaultPort) });
    parsed.hostname = proxy.host;
    parsed.port = String(proxy.port);
    return parsed.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
  }

  link(from: string, to: string): LinkControl {
    const proxy = this.proxies.get(linkName(from, to));
    if (!proxy) {
      throw new Error(
        `there is no link ${linkName(from, to)}: links are ${[...this.proxies.keys()].join(', ') || 'none (start the cluster with faultLinks or latencyMs)'}`,
      );
    }
    return proxy;
  }

  all(): LinkControl[] {
    return [...this.proxies.values()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    this.proxies.clear();
  }
}

const linkName = (from: string, to: string) => `${from}->${to}`;
