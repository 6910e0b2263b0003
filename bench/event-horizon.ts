import { Client } from 'pg';

/**
 * Where a receipt's delay goes, seen from outside the gateway: a watcher in the benchmark reads
 * national's `wallet_event` table by the feed's own rule (rows of transactions older than every one
 * still running, gateway/wallet-events/event-feed.ts), every `intervalMs`, and notes when each
 * transfer's receipt became readable. A receipt's delay after transferQuota's answer then splits in
 * two: until its row was readable (the row waited behind older transactions still running), and
 * from then to its arrival (the gateway's poll, answering the event, the stream).
 */
export class EventHorizonWatcher {
  /** Transfer id → when its receipt row became readable (performance.now()). */
  readonly readableAt = new Map<string, number>();
  private cursor?: { tx: string; seq: string };
  private stopped = false;
  private running?: Promise<void>;

  private constructor(
    private readonly client: Client,
    private readonly intervalMs: number,
  ) {}

  static async start(nationalUrl: string, intervalMs = 5): Promise<EventHorizonWatcher> {
    const client = new Client({ connectionString: nationalUrl });
    await client.connect();
    const watcher = new EventHorizonWatcher(client, intervalMs);
    const { rows } = await client.query<{ xmin: string }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
    );
    watcher.cursor = { tx: rows[0].xmin, seq: '0' };
    watcher.running = watcher.watch();
    return watcher;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    await this.client.end();
  }

  private async watch(): Promise<void> {
    while (!this.stopped) {
      const { rows } = await this.client.query<{ tx: string; seq: string; transfer_id: string | null }>(
        `SELECT tx::text AS tx, id::text AS seq, transfer_id FROM wallet_event
         WHERE (tx, id) > ($1::xid8, $2::bigint) AND tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY wallet_event.tx, wallet_event.id`,
        [this.cursor?.tx, this.cursor?.seq],
      );
      const now = performance.now();
      for (const row of rows) {
        this.cursor = { tx: row.tx, seq: row.seq };
        if (row.transfer_id && !this.readableAt.has(row.transfer_id)) this.readableAt.set(row.transfer_id, now);
      }
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
    }
  }
}
