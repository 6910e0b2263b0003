import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP fault proxy: one per link between deployments (and between a service and its database),
 * standing where the network would be. The kernel here has no `netem`, so faults are made in user
 * space: added round-trip time with jitter, a black hole (connections accepted, nothing forwarded or
 * answered, open ones go silent), resets (new and open connections reset), a one-way cut (one
 * direction silent), and healing. Faults change at run time and apply to open connections at once.
 */
export type LinkState =
  | { kind: 'open' }
  | { kind: 'blackhole' }
  | { kind: 'reset' }
  | { kind: 'one-way'; silent: Direction };

/** `requests`: client → server bytes; `replies`: server → client bytes. */
export type Direction = 'requests' | 'replies';

export interface Latency {
  /** Added round-trip time in ms: half on each direction, and one whole RTT to open a connection (the handshake). */
  rttMs: number;
  /** Up to this many ms more, at random, on each direction (order is kept). */
  jitterMs: number;
}

/** The controls of one link (what `cluster.link(from, to)` gives). */
export interface LinkControl {
  readonly name: string;
  readonly state: LinkState;
  readonly latency: Latency;
  /** Adds `rttMs` of round trip (and up to `jitterMs` more each way); 0 takes the latency away. Faults stay as they are. */
  delay(rttMs: number, options?: { jitterMs?: number }): LinkControl;
  /**
   * Connections are accepted and nothing is forwarded or answered; open ones go silent. What was
   * sent meanwhile is held and delivered after `heal()` (as TCP's retransmissions would), unless
   * the caller has given up and closed the connection by then.
   */
  blackhole(): LinkControl;
  /** New and open connections are reset (RST), as by a firewall that rejects. */
  reset(): LinkControl;
  /** One direction goes silent (default: the replies, so requests still arrive and their answers are lost). */
  cut(kind?: 'one-way' | 'both', silent?: Direction): LinkControl;
  /** Back to a working link (the latency stays; `delay(0)` takes it away). */
  heal(): LinkControl;
}

interface Pair {
  client: Socket;
  server?: Socket;
  /** Chunks on their way in each direction, with when each is due (performance.now()), in order: none overtakes another. */
  onTheWay: Record<Direction, { chunk: Buffer; due: number }[]>;
  /** Chunks a broken link is holding back, delivered in order once it heals (as TCP retransmits). */
  held: Record<Direction, Buffer[]>;
}

export class FaultProxy implements LinkControl {
  private server?: Server;
  private readonly pairs = new Set<Pair>();
  state: LinkState = { kind: 'open' };
  latency: Latency = { rttMs: 0, jitterMs: 0 };
  port = 0;
  host = '127.0.0.1';

  constructor(
    readonly name: string,
    private readonly target: { host: string; port: number },
  ) {}

  async listen(host = '127.0.0.1'): Promise<number> {
    const server = createServer({ noDelay: true }, (client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.host = host;
    return this.port;
  }

  delay(rttMs: number, options: { jitterMs?: number } = {}): this {
    this.latency = { rttMs: Math.max(0, rttMs), jitterMs: Math.max(0, options.jitterMs ?? 0) };
    return this;
  }

  blackhole(): this {
    this.state = { kind: 'blackhole' };
    return this;
  }

  reset(): this {
    this.state = { kind: 'reset' };
    for (const pair of [...this.pairs]) this.resetPair(pair);
    return this;
  }

  cut(kind: 'one-way' | 'both' = 'both', silent: Direction = 'replies'): this {
    this.state = kind === 'both' ? { kind: 'blackhole' } : { kind: 'one-way', silent };
    return this;
  }

  heal(): this {
    this.state = { kind: 'open' };
    for (const pair of this.pairs) {
      for (const direction of ['requests', 'replies'] as const) {
        for (const chunk of pair.held[direction].splice(0)) this.forward(pair, direction, chunk);
      }
    }
    return this;
  }

  /** Closes the listener and every connection through it. */
  async close(): Promise<void> {
    for (const pair of [...this.pairs]) {
      pair.client.destroy();
      pair.server?.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    const pair: Pair = { client, onTheWay: { requests: [], replies: [] }, held: { requests: [], replies: [] } };
    this.pairs.add(pair);
    const forget = () => {
      this.pairs.delete(pair);
      pair.server?.destroy();
      client.destroy();
    };
    client.on('error', forget).on('close', forget);
    if (this.state.kind === 'reset') {
      this.resetPair(pair);
      return;
    }
    const pending: Buffer[] = [];
    client.on('data', (chunk: Buffer) => (pair.server ? this.forward(pair, 'requests', chunk) : pending.push(chunk)));
    // The upstream connection opens after one round trip (the TCP handshake a real WAN would cost).
    const open = () => {
      if (client.destroyed) return;
      if (this.state.kind === 'blackhole') {
        // Accepted and never answered: try again later, so a healed link serves this connection.
        setTimeout(open, 50).unref();
        return;
      }
      const server = connect({ ...this.target, noDelay: true });
      pair.server = server;
      server.on('error', () => this.resetPair(pair)).on('close', forget);
      server.on('data', (chunk: Buffer) => this.forward(pair, 'replies', chunk));
      for (const chunk of pending.splice(0)) this.forward(pair, 'requests', chunk);
    };
    at(performance.now() + this.latency.rttMs, open);
  }

  /** Delivers a chunk half the round trip (plus jitter) after it came, in order; a broken link holds it back. */
  private forward(pair: Pair, direction: Direction, chunk: Buffer): void {
    if (this.silences(direction)) return void pair.held[direction].push(chunk);
    const onTheWay = pair.onTheWay[direction];
    const wait = this.latency.rttMs / 2 + Math.random() * this.latency.jitterMs;
    const due = Math.max(performance.now() + wait, onTheWay.at(-1)?.due ?? 0);
    onTheWay.push({ chunk, due });
    if (onTheWay.length === 1) this.release(pair, direction); // otherwise the release of the one before comes back for it
  }

  /**
   * Delivers every chunk of one direction whose time has come, then waits for the next one: one
   * wait per direction at a time, however many chunks are on their way, each released at its own due time.
   */
  private release(pair: Pair, direction: Direction): void {
    const onTheWay = pair.onTheWay[direction];
    const to = direction === 'requests' ? pair.server : pair.client;
    while (onTheWay.length > 0 && onTheWay[0].due <= performance.now()) {
      const { chunk } = onTheWay.shift() as { chunk: Buffer };
      if (this.silences(direction))
        pair.held[direction].push(chunk); // broke while on its way
      else if (to && !to.destroyed) to.write(chunk);
    }
    if (onTheWay.length > 0) at(onTheWay[0].due, () => this.release(pair, direction));
  }

  private silences(direction: Direction): boolean {
    const state = this.state;
    return (
      state.kind === 'blackhole' || state.kind === 'reset' || (state.kind === 'one-way' && state.silent === direction)
    );
  }

  private resetPair(pair: Pair): void {
    this.pairs.delete(pair);
    pair.client.resetAndDestroy();
    pair.server?.resetAndDestroy();
  }
}

/**
 * Calls `then` at `due` (performance.now()), never before and as soon after as the event loop
 * allows. A timer alone would not do: it fires on whole milliseconds of a clock read when the loop
 * turned, so up to a millisecond early or late. The timer wakes the loop a millisecond before; the
 * rest is waited in turns of the loop (setImmediate), which serve every other socket meanwhile and
 * cost at most about that millisecond of CPU per wait.
 */
function at(due: number, then: () => void): void {
  const left = due - performance.now();
  if (left <= 0) then();
  else if (left > 1) setTimeout(() => at(due, then), left - 1).unref();
  else setImmediate(() => at(due, then)); // not unref'd: an unref'd immediate lets the loop block in its poll
}
