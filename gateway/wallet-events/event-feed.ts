import type { Pool } from 'pg';
import { type EventPosition, eventIdOf, isAfter } from '../../subgraphs/common/domain/wallet-event-id';
import { isDatabaseShutdown } from '../../subgraphs/common/platform/data/database-shutdown';
import { errorText, log } from '../../subgraphs/common/platform/log';

/**
 * The gateway's view of national's `wallet_event` table (its protocol: subgraphs/national/events/
 * wallet-events.ts). One loop per gateway process follows the whole table in (tx, id) order,
 * reading only rows of transactions older than every one still running, and hands each row to the
 * subscribers of its member. It polls (every `pollMs`; every FLOWING_POLL_MS while events flow, at
 * once again while a batch comes full): national writes no NOTIFY, which would make the money
 * paths' commits wait for each other. Any number of gateways follow the same table, each on its
 * own; none changes it.
 *
 * While nobody subscribes to this gateway, the loop sleeps and reads nothing (each poll is a round
 * trip and a commit in national's database, 20 a second). The first subscriber wakes it, and it
 * takes up the table from the horizon as it is then, as on first contact; a subscriber resuming
 * (`after`) reads what it missed only once that starting point is set, so nothing falls between.
 */
export interface FeedEvent {
  id: string;
  position: EventPosition;
  memberId: string;
}

export type Deliver = (event: FeedEvent) => void;

interface Row {
  tx: string;
  seq: string;
  member_id: string;
}

const BATCH = 500;
/**
 * While events flow (one was read in the last FLOWING_MS), the table is read every
 * FLOWING_POLL_MS instead of every pollMs: a receipt then waits about 5 ms for the poll instead of
 * 25, at the price of a cheap indexed read 100 times a second, and only while events come.
 */
const FLOWING_POLL_MS = 10;
const FLOWING_MS = 1000;
// Order by the table's columns, not by the text the queries answer (a bare `tx` in ORDER BY names
// the output column: "1007" < "981").
// Read only what committed behind every running transaction: nothing can appear behind it later.
const SETTLED = 'tx < pg_snapshot_xmin(pg_current_snapshot())';

const eventOf = (row: Row): FeedEvent => {
  const position = { tx: BigInt(row.tx), seq: BigInt(row.seq) };
  return { id: eventIdOf(position), position, memberId: row.member_id };
};

interface Follower {
  deliver: Deliver;
  last?: EventPosition;
  /** Live events that arrive while the follower reads what it missed. */
  held?: FeedEvent[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class EventFeed {
  private readonly followers = new Map<string, Set<Follower>>();
  private cursor?: EventPosition;
  /** The query that sets `cursor` on first contact (shared by the loop and resuming subscribers). */
  private anchoring?: Promise<void>;
  /** Told when a first subscriber arrives or the feed stops: the loop sleeps without subscribers. */
  private wakeUp?: () => void;
  private stopped = false;
  private failing = false;
  /** Until when events are taken to be flowing (performance.now()): the next poll comes sooner. */
  private flowingUntil = 0;
  private running?: Promise<void>;

  constructor(
    private readonly db: Pool,
    private readonly pollMs: number,
  ) {}

  start(): void {
    this.running ??= this.follow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.running;
  }

  /** How many subscribers follow the feed now. */
  get size(): number {
    let n = 0;
    for (const set of this.followers.values()) n += set.size;
    return n;
  }

  /**
   * Delivers a member's events in order from now on; with `after`, first every kept event of
   * theirs after that position (from the table), then the live ones, none twice. Returns `stop`.
   */
  subscribe(memberId: string, after: EventPosition | undefined, deliver: Deliver): () => void {
    const follower: Follower = { deliver, last: after, held: after ? [] : undefined };
    let set = this.followers.get(memberId);
    if (!set) this.followers.set(memberId, (set = new Set()));
    set.add(follower);
    this.wakeUp?.();
    let open = true;
    if (after) void this.catchUp(memberId, follower, () => open);
    return () => {
      open = false;
      set.delete(follower);
      if (set.size === 0 && this.followers.get(memberId) === set) this.followers.delete(memberId);
    };
  }

  private hand(follower: Follower, event: FeedEvent): void {
    if (follower.held) return void follower.held.push(event);
    if (follower.last && !isAfter(event.position, follower.last)) return;
    follower.last = event.position;
    follower.deliver(event);
  }

  /** Reads what a resuming subscriber missed, then lets the live events it held through. */
  private async catchUp(memberId: string, follower: Follower, open: () => boolean): Promise<void> {
    for (let last = follower.last as EventPosition; open(); ) {
      let rows: Row[];
      try {
        await this.anchor(); // the feed's starting point first: what this read leaves, the feed reads
        ({ rows } = await this.db.query<Row>(
          `SELECT tx::text AS tx, id::text AS seq, member_id FROM wallet_event
           WHERE member_id = $1 AND (tx, id) > ($2::xid8, $3::bigint) AND ${SETTLED} ORDER BY wallet_event.tx, wallet_event.id LIMIT ${BATCH}`,
          [memberId, String(last.tx), String(last.seq)],
        ));
      } catch (error) {
        this.report(error);
        await sleep(Math.max(this.pollMs, 1000));
        continue;
      }
      for (const row of rows) {
        const event = eventOf(row);
        follower.last = last = event.position;
        follower.deliver(event);
      }
      if (rows.length < BATCH) break;
    }
    const held = follower.held ?? [];
    follower.held = undefined;
    for (const event of held) this.hand(follower, event);
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      if (this.followers.size === 0) {
        await this.idle();
        continue;
      }
      let read = 0;
      try {
        read = await this.readOnce();
        if (this.failing) log.info("wallet events: reading national's events again");
        this.failing = false;
      } catch (error) {
        this.report(error);
      }
      if (read > 0) this.flowingUntil = performance.now() + FLOWING_MS;
      if (read < BATCH) await sleep(this.flowing() ? Math.min(this.pollMs, FLOWING_POLL_MS) : this.pollMs);
    }
  }

  private flowing(): boolean {
    return performance.now() < this.flowingUntil;
  }

  /** Forgets where it was (nobody to tell what comes meanwhile), and sleeps until a subscriber arrives. */
  private async idle(): Promise<void> {
    this.cursor = undefined;
    this.anchoring = undefined;
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      if (this.followers.size > 0 || this.stopped) resolve();
    });
    this.wakeUp = undefined;
  }

  /** First contact: live events are those of transactions not finished yet, and later ones. */
  private anchor(): Promise<void> {
    this.anchoring ??= this.db
      .query<{ xmin: string }>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`)
      .then(
        ({ rows }) => {
          this.cursor ??= { tx: BigInt(rows[0].xmin), seq: 0n };
        },
        (error: unknown) => {
          this.anchoring = undefined;
          throw error;
        },
      );
    return this.anchoring;
  }

  /** One batch of the table past the cursor; how many rows it read (BATCH: there may be more at once). */
  private async readOnce(): Promise<number> {
    await this.anchor();
    const cursor = this.cursor as EventPosition;
    const { rows } = await this.db.query<Row>(
      `SELECT tx::text AS tx, id::text AS seq, member_id FROM wallet_event
       WHERE (tx, id) > ($1::xid8, $2::bigint) AND ${SETTLED} ORDER BY wallet_event.tx, wallet_event.id LIMIT ${BATCH}`,
      [String(cursor.tx), String(cursor.seq)],
    );
    for (const row of rows) {
      const event = eventOf(row);
      this.cursor = event.position;
      for (const follower of this.followers.get(event.memberId) ?? []) this.hand(follower, event);
    }
    return rows.length;
  }

  private report(error: unknown): void {
    if (this.stopped) return; // a query cut short by the stop itself
    if (!this.failing) {
      // A database that shuts down (a stop, a restart, a switch-over) is expected; the feed resumes when it is back.
      const level = isDatabaseShutdown(error) ? 'warn' : 'error';
      log[level]({ error: errorText(error) }, "wallet events: cannot read national's events; trying again");
    }
    this.failing = true;
  }
}
