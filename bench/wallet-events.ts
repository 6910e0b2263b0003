import { randomUUID } from 'node:crypto';
import type { FormattedExecutionResult } from 'graphql';
import { subscribeOverSse, type Subscription } from '../cluster/subscription-client';
import type { AidPair } from './bench-data';
import type { Callers } from './callers';
import { type CpuTimes, withOthers } from './cpu-usage';
import { type GraphQLEndpoint, runLoad } from './load';
import { addDifference, perOperation } from './tally';
import { EventHorizonWatcher } from './event-horizon';
import { roundRobin, TRANSFER } from './operations';

/**
 * R9 (实时到账): wallet events delivered while transfers run. `subscriptions` beneficiaries each
 * follow their own `walletEvents` through the gateway (GraphQL over server-sent events, one
 * connection each); their donors send `transferQuota` of 1.00 yuan in turn. The delay of a receipt
 * is from the moment its transferQuota answer arrived to the moment its event arrived.
 */
export interface WalletEventsResult {
  label: string;
  subscriptions: number;
  /** Seconds to open them all (each authenticated and admitted like a request). */
  openSeconds: number;
  concurrency: number;
  seconds: number;
  transfers: number;
  transferErrors: number;
  /** Receipts told during the load, per second of it. */
  eventsPerSecond: number;
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /**
   * The delay in two parts (event-horizon.ts), p50 and p99 of each: from the answer until the
   * receipt's row was readable by the feed's rule (0 when it already was), and from then to its arrival.
   */
  untilReadableP50Ms: number;
  untilReadableP99Ms: number;
  afterReadableP50Ms: number;
  afterReadableP99Ms: number;
  /**
   * CPU ms each process spent during the load per transfer (its transferQuota and its receipt,
   * subscriptions open meanwhile): the gateway's share is what delivering costs beside the mutation.
   */
  cpuMsPerTransfer: Record<string, number>;
  /** Receipts not told within 30 s after the load ended (0 expected). */
  missing: number;
  firstErrors: string[];
}

const RECEIPTS = `subscription($m: ID!) { walletEvents(memberId: $m) { id kind transfer { id } } }`;
const DRAIN_MS = 30_000;

type Receipt = { walletEvents: { kind: string; transfer: { id: string } | null } };

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function measureWalletEvents(options: {
  streamUrl: string;
  /** National's database, watched for when each receipt became readable. */
  nationalDatabaseUrl: string;
  gateway: GraphQLEndpoint;
  pairs: readonly AidPair[];
  callers: Callers;
  subscriptions: number;
  seconds: number;
  concurrency: number;
  /** CPU ms by process so far (cpu-usage.ts). */
  cpuNow: () => CpuTimes;
  log: (line: string) => void;
}): Promise<WalletEventsResult> {
  const followed = [...new Map(options.pairs.map((p) => [p.beneficiaryId, p])).values()].slice(
    0,
    options.subscriptions,
  );
  if (followed.length < options.subscriptions)
    throw new Error(`only ${followed.length} beneficiaries to follow; load more members`);
  const told = new Map<string, number>(); // transfer id → when its receipt arrived
  const errors: string[] = [];
  const onAnswer = (result: FormattedExecutionResult<Receipt>) => {
    const event = result.data?.walletEvents;
    if (event?.kind === 'TRANSFER_RECEIVED' && event.transfer) told.set(event.transfer.id, performance.now());
    else if (result.errors && errors.length < 5) errors.push(JSON.stringify(result.errors).slice(0, 300));
  };

  const opening = performance.now();
  const open: Subscription<Receipt>[] = [];
  for (let i = 0; i < followed.length; i += 50) {
    open.push(
      ...(await Promise.all(
        followed
          .slice(i, i + 50)
          .map((p) =>
            subscribeOverSse<Receipt>(
              options.streamUrl,
              options.callers.member(p.beneficiaryId),
              RECEIPTS,
              { m: p.beneficiaryId },
              onAnswer,
            ),
          ),
      )),
    );
  }
  const openSeconds = (performance.now() - opening) / 1000;
  options.log(
    `${open.length} subscriptions open in ${openSeconds.toFixed(1)} s; transfers for ${options.seconds} s at concurrency ${options.concurrency}`,
  );

  const watcher = await EventHorizonWatcher.start(options.nationalDatabaseUrl);
  try {
    const answered = new Map<string, number>(); // transfer id → when transferQuota answered
    const next = roundRobin(followed);
    const cpuMs = new Map<string, number>();
    const cpuBefore = options.cpuNow();
    const started = performance.now();
    const run = await runLoad({
      concurrency: options.concurrency,
      seconds: options.seconds,
      operation: async () => {
        const pair = next();
        const input = {
          relationshipId: pair.relationshipId,
          amount: '1.00',
          fundSource: 'CURRENT_YEAR',
          idempotencyKey: `bench-${randomUUID()}`,
        };
        const { transferQuota } = await options.gateway.request<{ transferQuota: { id: string; state: string } }>(
          TRANSFER,
          { input },
          options.callers.member(pair.donorId),
        );
        if (transferQuota.state !== 'COMMITTED') throw new Error(`transfer ${transferQuota.state}`);
        answered.set(transferQuota.id, performance.now());
      },
    });
    const ended = performance.now();
    addDifference(cpuMs, cpuBefore, options.cpuNow());
    const drainDeadline = ended + DRAIN_MS;
    while ([...answered.keys()].some((id) => !told.has(id)) && performance.now() < drainDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const delays = [...answered]
      .flatMap(([id, at]) => (told.has(id) ? [(told.get(id) as number) - at] : []))
      .sort((a, b) => a - b);
    const parts = [...answered].flatMap(([id, at]) => {
      const readable = watcher.readableAt.get(id);
      const arrived = told.get(id);
      return readable === undefined || arrived === undefined
        ? []
        : [{ until: Math.max(0, readable - at), after: Math.max(0, arrived - Math.max(readable, at)) }];
    });
    const until = parts.map((p) => p.until).sort((a, b) => a - b);
    const after = parts.map((p) => p.after).sort((a, b) => a - b);
    const duringLoad = [...told.values()].filter((at) => at >= started && at <= ended).length;
    return {
      label: `walletEvents: receipts to ${open.length} open subscriptions`,
      subscriptions: open.length,
      openSeconds: Math.round(openSeconds * 10) / 10,
      concurrency: options.concurrency,
      seconds: run.seconds,
      transfers: answered.size,
      transferErrors: run.errors,
      eventsPerSecond: duringLoad / run.seconds,
      delayP50Ms: percentile(delays, 50),
      delayP99Ms: percentile(delays, 99),
      delayMaxMs: delays.at(-1) ?? Number.NaN,
      untilReadableP50Ms: percentile(until, 50),
      untilReadableP99Ms: percentile(until, 99),
      afterReadableP50Ms: percentile(after, 50),
      afterReadableP99Ms: percentile(after, 99),
      cpuMsPerTransfer: perOperation(withOthers(cpuMs), run.latenciesMs.length, 0.01, 2),
      missing: answered.size - delays.length,
      firstErrors: [...run.firstErrors, ...errors].slice(0, 5),
    };
  } finally {
    await watcher.stop();
    for (const subscription of open) subscription.close();
  }
}
