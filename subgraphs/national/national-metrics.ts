import { Counter, Gauge } from 'prom-client';
import { expose, metricsEnabled, onePerScrape } from '../common/platform/observability/metrics';
import type { LastReconciliation } from './reconciliation/reconciliation-results';

/**
 * What only national knows: the province-step outbox (what waits, how old the oldest step is, how
 * each step went), the recovery worker (its rounds, and what they finished) and the last R20
 * reconciliation of each province.
 */
const steps = new Counter({
  name: 'wallet_province_steps_total',
  registers: [],
  help: 'Province steps taken from the outbox, by how it went: applied; waiting (the province cannot take it yet); unavailable (the province did not answer); failed.',
  labelNames: ['province', 'action', 'outcome'],
});

export function countStep(
  step: { province: string; action: string },
  outcome: 'applied' | 'waiting' | 'unavailable' | 'failed',
): void {
  if (metricsEnabled()) steps.inc({ province: step.province, action: step.action, outcome });
}

interface Backlog {
  province: string;
  steps: number;
  oldestSeconds: number;
}

let backlog: { read: () => Promise<Backlog[]>; provinces: () => string[] } | undefined;
/** A connected province with nothing waiting reads 0. */
const backlogNow = onePerScrape(
  'outbox',
  async () => new Map((await (backlog?.read() ?? [])).map((b) => [b.province, b])),
);

const unapplied = new Gauge({
  name: 'wallet_outbox_unapplied_steps',
  registers: [],
  help: 'Province steps in national’s outbox not yet applied, by province.',
  labelNames: ['province'],
  async collect() {
    this.reset();
    const waiting = await backlogNow();
    if (!waiting || !backlog) return;
    for (const province of new Set([...backlog.provinces(), ...waiting.keys()]))
      this.set({ province }, waiting.get(province)?.steps ?? 0);
  },
});
const oldest = new Gauge({
  name: 'wallet_outbox_oldest_step_age_seconds',
  registers: [],
  help: 'Age of the oldest province step not yet applied, by province; 0 when none waits.',
  labelNames: ['province'],
  async collect() {
    this.reset();
    const waiting = await backlogNow();
    if (!waiting || !backlog) return;
    for (const province of new Set([...backlog.provinces(), ...waiting.keys()]))
      this.set({ province }, waiting.get(province)?.oldestSeconds ?? 0);
  },
});

/** Reports the outbox: `read` gives what waits by province, `provinces` the connected ones. */
export function watchOutbox(read: () => Promise<Backlog[]>, provinces: () => string[]): void {
  backlog = { read, provinces };
  // National's own series, in its /metrics only: the gateway imports these modules to build national's schema.
  expose(steps, unapplied, oldest, rounds, finished);
}

const rounds = new Counter({
  name: 'wallet_recovery_rounds_total',
  registers: [],
  help: 'Rounds of the recovery worker (and of POST /internal/recover), by outcome: completed or failed.',
  labelNames: ['outcome'],
});
const finished = new Counter({
  name: 'wallet_recovery_finished_total',
  registers: [],
  help: 'What recovery rounds finished: enrolments, transfers and settlements driven to a final state, steps applied, accounts carried (R31), transfers returned (R25).',
  labelNames: ['work'],
});

export function countRecoveryRound(result: Record<string, number> | undefined): void {
  if (!metricsEnabled()) return;
  rounds.inc({ outcome: result ? 'completed' : 'failed' });
  for (const [work, count] of Object.entries(result ?? {})) finished.inc({ work }, count);
}

let reconciled: (() => Promise<LastReconciliation[]>) | undefined;
const reconciledNow = onePerScrape('reconciliation', async () => (reconciled ? reconciled() : []));

/** One gauge per figure of the last reconciliation, by province: every copy reads the same row. */
const reconciliationGauge = (name: string, help: string, figure: (r: LastReconciliation) => number) =>
  new Gauge({
    name,
    registers: [],
    help,
    labelNames: ['province'],
    async collect() {
      this.reset();
      for (const r of (await reconciledNow()) ?? []) this.set({ province: r.province }, figure(r));
    },
  });
const differences = reconciliationGauge(
  'wallet_reconciliation_differences',
  'R20: differences the last reconciliation of a province found (accounts not matching their ledger, holds not matching the quota they back, entries missing, moves, kept figures); 0 when balanced.',
  (r) => r.differences,
);
const missingEntries = reconciliationGauge(
  'wallet_reconciliation_missing_entries',
  'R20: movements national has had a province book that its ledger lacks (a database restored from an earlier backup: run restore-heal).',
  (r) => r.missingEntries,
);
const reconciliationAge = reconciliationGauge(
  'wallet_reconciliation_age_seconds',
  'Time since the last reconciliation of a province (the periodic job, a portal’s query or restore-heal ran it).',
  (r) => r.ageSeconds,
);

/** Reports the last reconciliation of each province (kept in national's database by every run). */
export function watchReconciliation(read: () => Promise<LastReconciliation[]>): void {
  reconciled = read;
  expose(differences, missingEntries, reconciliationAge);
}
