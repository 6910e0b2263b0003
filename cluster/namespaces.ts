import { execFileSync } from 'node:child_process';

/**
 * A network namespace per deployment (gateway, national, each province), each joined to the root
 * namespace by its own veth pair (a point-to-point /30, no default route): a service there reaches
 * nothing but the root namespace's end of its own pair, where its links' fault proxies listen.
 * Nothing reaches another deployment by localhost, nor another namespace directly. The databases
 * (and the harness) stay in the root namespace. Needs root and iproute2's `ip`.
 *
 * Names carry the launcher's pid (`mwf<pid>-<service>`, interfaces `mw<pid>v<n>`), so that several
 * clusters can run at once and the leftovers of a killed one are recognised and removed at the next start.
 */
export interface Namespaces {
  /** The namespace a service runs in (`ip netns exec <name>`). */
  nameOf(service: string): string;
  /** The service's own address, in its namespace. */
  addressOf(service: string): string;
  /** The root namespace's end of the service's pair: where the proxies of its links listen. */
  rootAddressOf(service: string): string;
  /** Removes every namespace and interface made (the services in them stopped first). */
  remove(): void;
}

const PREFIX = 'mwf';
const SUBNETS = '10.213'; // /24s of 10.213.0.0/16, one per cluster, /30s in it, one per service

/** Why this machine cannot run services in namespaces, in one sentence, or undefined when it can. */
export function namespacesUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add), and this process is not root';
  try {
    ip('netns', 'list');
  } catch (error) {
    return `network namespaces need iproute2's ip command with netns support: ${(error as Error).message.split('\n')[0]}`;
  }
  return undefined;
}

export function makeNamespaces(services: readonly string[]): Namespaces {
  const why = namespacesUnavailable();
  if (why) throw new Error(`namespaces: ${why}`);
  if (services.length > 64)
    throw new Error(`namespaces: at most 64 services fit in one /24 (${services.length} given)`);
  removeLeftovers();
  const subnet = freeSubnet();
  const index = new Map(services.map((s, i) => [s, i]));
  const at = (service: string) => {
    const i = index.get(service);
    if (i === undefined) throw new Error(`namespaces: there is no namespace for "${service}"`);
    return i;
  };
  const nameOf = (service: string) => `${PREFIX}${process.pid}-${service}`;
  const rootAddressOf = (service: string) => `${subnet}.${at(service) * 4 + 1}`;
  const addressOf = (service: string) => `${subnet}.${at(service) * 4 + 2}`;
  const made: string[] = [];
  const remove = () => {
    for (const name of made.splice(0)) quietly('netns', 'delete', name); // its end of the pair goes with it, and the other end too
  };
  try {
    for (const service of services) {
      const ns = nameOf(service);
      const outside = `mw${process.pid}v${at(service)}`;
      const inside = `mw${process.pid}p${at(service)}`;
      ip('netns', 'add', ns);
      made.push(ns);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside, 'netns', ns);
      ip('addr', 'add', `${rootAddressOf(service)}/30`, 'dev', outside);
      ip('link', 'set', outside, 'up');
      ip('-n', ns, 'addr', 'add', `${addressOf(service)}/30`, 'dev', inside);
      ip('-n', ns, 'link', 'set', inside, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    remove();
    throw new Error(`namespaces: could not make them: ${(error as Error).message.split('\n')[0]}`);
  }
  return { nameOf, addressOf, rootAddressOf, remove };
}

/** The namespaces and interfaces of launchers no longer running (a killed run), removed. */
function removeLeftovers(): void {
  const gone = (pid: number) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  };
  for (const line of ip('netns', 'list').split('\n')) {
    const match = new RegExp(`^(${PREFIX}(\\d+)-\\S+)`).exec(line.trim());
    if (match && gone(Number(match[2]))) quietly('netns', 'delete', match[1]);
  }
  for (const line of ip('-o', 'link', 'show').split('\n')) {
    const match = /^\d+:\s+(mw(\d+)[vp]\d+)[@:]/.exec(line);
    if (match && gone(Number(match[2]))) quietly('link', 'delete', match[1]);
  }
}

/** A /24 of 10.213.0.0/16 no interface of this machine has an address in (starting at one of the pid's, so that clusters started together pick apart). */
function freeSubnet(): string {
  const used = ip('-4', '-o', 'addr', 'show');
  for (let k = 0; k < 256; k++) {
    const candidate = `${SUBNETS}.${(process.pid + k) % 256}`;
    if (!used.includes(` ${candidate}.`)) return candidate;
  }
  throw new Error(`namespaces: every /24 of ${SUBNETS}.0.0/16 is in use`);
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function quietly(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}
