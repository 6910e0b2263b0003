import { Pool } from 'pg';
import { deadlines } from '../subgraphs/common/platform/http/deadlines';
import type { Cluster } from '../cluster/cluster';
import { beijingTime, startTestCluster } from '../testing';
import { type Check, finalChecks, quiesce } from './checks';
import { type FaultRecord, faultPlan, inject } from './faults';
import {
  describeNetworkFault,
  injectNetworkFault,
  NETWORK_LATENCY,
  type NetworkFaultRecord,
  networkFaultPlan,
} from './network-faults';
import type { Family } from './model';
import {
  dissolveAndRelate,
  endBeneficiaryInsurance,
  type KeyedOperation,
  type Kind,
  moveDonor,
  prepare,
  settleAndMove,
  type StepResult,
} from './operations';
import { Random } from './random';
import { answerText, type Outcome } from './requests';
import { newFamily, platform, regionsOf, relaxTransferPolicy } from './world';

/**
 * A fault-injection run on a cluster of its own: random money operations from many callers, with
 * simultaneous copies and replays under one key, while provinces, national and the gateway are
 * SIGKILLed (also at every CRASH_AT point); then every unknown answer is asked again under its key
 * until it is final, recovery is let finish, and the platform is checked against a model built
 * from acknowledged answers only.
 */
export interface ChaosOptions {
  operations: number;
  callers: number;
  familiesPerCaller: number;
  /** SIGKILLs at random moments, spread over provinces, national and the gateway. */
  kills: number;
  /** Crash at every CRASH_AT point of every service, or at this many of them chosen at random. */
  crashPoints: 'all' | number;
  provinces: string[];
  seed: number;
  log: (line: string) => void;
  /** Every line the services write (a test searches them for personal data). */
  serviceOutput?: (service: string, line: string) => void;
  /** Copies of every service (gateway, national, each province); a fault then kills one copy. Default 1. */
  replicas?: number;
  /** Runs once the cluster stands at the run's clock, before the families are registered (a test loads the demo). */
  prepare?: (cluster: Cluster) => Promise<void>;
  /** `--network`: latency on every link between deployments, and this many black holes, one-way cuts, resets and database cuts of 5–30 s. */
  networkFaults?: number;
}

export const DEFAULT_OPTIONS: ChaosOptions = {
  operations: 10_000,
  callers: 16,
  familiesPerCaller: 6,
  kills: 12,
  crashPoints: 'all',
  provinces: ['32', '13', '51'],
  seed: 20_241_201,
  log: (line) => console.log(line),
};

export interface ChaosReport {
  seconds: number;
  operations: number;
  byKind: Record<string, Record<string, number>>;
  copies: number;
  replays: number;
  inDoubt: number;
  faults: FaultRecord[];
  networkFaults: NetworkFaultRecord[];
  /** The longest any request waited for its answer. */
  slowestMs: number;
  quiesceMs: number;
  checks: Check[];
  passed: number;
  failed: number;
}

type Action = Kind | 'dissolve' | 'endInsurance' | 'moveDonor' | 'settleAndMove' | 'replay';
const ACTIONS: readonly (readonly [number, Action])[] = [
  [24, 'transfer'],
  [22, 'settle'],
  [10, 'refund'],
  [7, 'premium'],
  [10, 'credit'],
  [8, 'spendOwn'],
  [4, 'dissolve'],
  [2, 'endInsurance'],
  [2, 'moveDonor'],
  [2, 'settleAndMove'],
  [2, 'creditMoved'],
  [8, 'replay'],
];

/** What a loaded two-core machine may add to a request's budget before the check calls it held too long. */
const BUDGET_MARGIN_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { log, provinces } = options;
  const started = Date.now();
  log(`starting a cluster of provinces ${provinces.join(', ')}`);
  const clock = beijingTime('10:00:00'); // transfers are allowed (R24) and no 06:00 return (R25) falls in the run
  const replicas = Math.max(1, options.replicas ?? 1);
  const cluster = await startTestCluster({
    provinces,
    clock,
    replicas:
      replicas > 1 ? Object.fromEntries(['gateway', 'national', ...provinces].map((s) => [s, replicas])) : undefined,
    nationalEnv: { RECOVERY_INTERVAL_MS: '1000', RECOVERY_GRACE_SECONDS: '2' },
    onOutput: options.serviceOutput,
    ...(options.networkFaults !== undefined ? NETWORK_LATENCY : {}),
  });
  try {
    await options.prepare?.(cluster);
    const signedAt = new Date(clock.getTime() - 3_600_000);
    const p = platform(cluster);
    const sentWhile = replicas > 1 ? timedSends(p) : undefined;
    await relaxTransferPolicy(p, provinces);
    const setupRandom = new Random(options.seed);
    const families: Family[] = [];
    log(`registering ${options.callers * options.familiesPerCaller} families`);
    await Promise.all(
      Array.from({ length: options.callers }, async (_, caller) => {
        const random = new Random(options.seed + 1000 + caller);
        for (let i = 0; i < options.familiesPerCaller; i++) {
          families.push(await newFamily(p, options.seed, random, caller + i * options.callers, provinces, signedAt));
        }
      }),
    );

    const byKind: ChaosReport['byKind'] = {};
    const count = (kind: string, outcome: string) => {
      byKind[kind] ??= {};
      byKind[kind][outcome] = (byKind[kind][outcome] ?? 0) + 1;
    };
    const keyProblems: string[] = [];
    const answerProblems: string[] = [];
    const answered: KeyedOperation[] = [];
    const pending = new Map<Family, { op: KeyedOperation; due: number }>();
    let done = 0;
    let copies = 0;
    let replays = 0;
    let inDoubt = 0;
    let frauds = 0;

    /** Takes the outcomes of one or more copies of a request: one final answer, or in doubt. */
    const conclude = async (op: KeyedOperation, outcomes: Outcome[]): Promise<void> => {
      const finals = outcomes.filter((o) => o.kind !== 'unknown');
      const texts = new Set(finals.map(answerText));
      if (texts.size > 1) keyProblems.push(`${op.kind}: copies answered ${[...texts].join(' | ')}`);
      if (finals.length === 0) {
        if (!pending.has(op.family)) inDoubt += 1;
        pending.set(op.family, { op, due: Date.now() + 1000 });
        return;
      }
      pending.delete(op.family);
      const final = finals[0];
      op.answer = answerText(final);
      count(op.kind, final.kind === 'answer' ? 'answered' : `refused ${final.code}`);
      if (final.kind === 'refused' && final.code === 'CREDENTIAL_NOT_OWN') frauds += 1;
      const problem = await op.conclude(final);
      if (problem) answerProblems.push(problem);
      answered.push(op);
    };

    /** R28: someone else's credential, another family's beneficiary. */
    const strangers = (random: Random) => (family: Family) =>
      random.pick(families.filter((f) => f !== family)).beneficiary.id;

    const act = async (random: Random, family: Family, action: Action): Promise<boolean> => {
      if (action === 'dissolve') {
        const problem = await dissolveAndRelate(p, family, random, signedAt);
        count(action, problem ? 'failed' : 'done');
        if (problem) answerProblems.push(problem);
        return true;
      }
      if (action === 'endInsurance' || action === 'moveDonor' || action === 'settleAndMove') {
        const step: StepResult =
          action === 'endInsurance'
            ? await endBeneficiaryInsurance(p, family, random, options.seed, provinces, signedAt)
            : action === 'moveDonor'
              ? await moveDonor(p, family, random, signedAt, regionsOf(provinces))
              : await settleAndMove(p, family, random, signedAt, regionsOf(provinces), provinces);
        count(action, step.problems.length > 0 ? 'failed' : step.replayable.length > 0 ? 'done' : 'no region to go to');
        for (const problem of step.problems)
          (problem.startsWith('one answer per key') ? keyProblems : answerProblems).push(problem);
        answered.push(...step.replayable);
        return true;
      }
      if (action === 'replay') {
        const first = answered.length > 0 ? random.pick(answered) : undefined;
        if (!first) return false;
        replays += 1;
        const again = await p.send(first.request);
        if (
          again.kind !== 'unknown' &&
          !(first.sameAnswer ? first.sameAnswer(again) : answerText(again) === first.answer)
        ) {
          keyProblems.push(`${first.kind} replayed: first ${first.answer}, now ${answerText(again)}`);
        }
        count('replay', again.kind === 'unknown' ? 'no answer' : 'same answer');
        return true;
      }
      const op = prepare(action, family, random, p, strangers(random), provinces);
      if (!op) return false;
      const n = random.chance(0.25) ? random.int(2, 4) : 1;
      copies += n - 1;
      await conclude(op, await Promise.all(Array.from({ length: n }, () => p.send(op.request))));
      return true;
    };

    // A family waits while national still has province steps to apply for it (a release, a refund to an
    // account, a capture in a province that was down): the model predicts answers from applied money.
    const nationalDb = new Pool({ connectionString: cluster.databaseUrls.national, max: 4 });
    nationalDb.on('error', () => undefined); // an idle connection lost: the next query opens another
    const settledInProvinces = async (family: Family) => {
      const holds = family.lots.map((l) => l.transferId);
      const members = [family.donor.id, family.beneficiary.id, ...family.former.map((m) => m.id)];
      const { rows } = await nationalDb.query(
        `SELECT 1 FROM province_step WHERE applied_at IS NULL AND (payload->>'holdId' = ANY($1) OR payload->>'memberId' = ANY($2)) LIMIT 1`,
        [holds, members],
      );
      return rows.length === 0;
    };

    const callerLoop = async (caller: number) => {
      const random = new Random(options.seed + caller);
      const mine = families.filter((f) => f.index % options.callers === caller);
      for (;;) {
        for (const [family, { op, due }] of [...pending]) {
          if (mine.includes(family) && due <= Date.now()) await conclude(op, [await p.send(op.request)]);
        }
        const waiting = mine.filter((f) => pending.has(f));
        // Operations go on until every planned fault has happened (a crash point needs traffic to be reached).
        if (done >= options.operations && faultsDone) {
          if (waiting.length === 0) return;
          await sleep(250);
          continue;
        }
        const free = mine.filter((f) => !pending.has(f));
        if (free.length === 0) {
          await sleep(250);
          continue;
        }
        const family = random.pick(free);
        if (!(await settledInProvinces(family).catch(() => false))) {
          await sleep(50);
          continue;
        }
        done += 1;
        try {
          if (!(await act(random, family, random.weighted(ACTIONS)))) done -= 1;
        } catch (error) {
          answerProblems.push(`family ${family.index}: ${(error as Error).message}`); // a step that could not finish: reported, the run goes on
        }
      }
    };

    const plan = faultPlan(
      new Random(options.seed + 7),
      provinces,
      options.kills,
      options.crashPoints,
      cluster.copiesOf,
    );
    const faults: FaultRecord[] = [];
    let faultsDone = plan.length === 0;
    const faultLoop = async () => {
      const queue = plan.map((fault) => ({ fault, tries: 1 }));
      for (let i = 0; i < queue.length; i++) {
        const { fault, tries } = queue[i];
        while (done < (Math.min(i + 1, plan.length) * options.operations) / (plan.length + 1)) await sleep(100);
        const record = await inject(cluster, fault, setupRandom);
        faults.push(record);
        // A rare crash point may find no traffic in its wait (its operations refused while a link is down): armed again later.
        const again = !record.killed && tries < CRASH_POINT_TRIES;
        if (again) queue.push({ fault, tries: tries + 1 });
        log(
          `  ${done} operations: ${record.crashAt ? `crash of ${record.target} at ${record.crashAt}` : `SIGKILL of ${record.target}`}` +
            `${record.killed ? '' : ` (not reached: restarted${again ? ', armed again later' : ''})`}, back in ${record.downMs} ms`,
        );
      }
      faultsDone = true;
    };

    const networkPlan = networkFaultPlan(new Random(options.seed + 11), provinces, options.networkFaults ?? 0);
    const networkFaults: NetworkFaultRecord[] = [];
    const networkLoop = async () => {
      for (const [i, fault] of networkPlan.entries()) {
        while (done < ((i + 0.5) * options.operations) / networkPlan.length) await sleep(100);
        networkFaults.push({ ...fault, at: done });
        log(`  ${done} operations: ${describeNetworkFault(fault)}`);
        await injectNetworkFault(cluster, fault);
      }
    };

    log(
      `running ${options.operations} operations from ${options.callers} callers with ${plan.length} faults` +
        (networkPlan.length
          ? ` and ${networkPlan.length} network faults, ${NETWORK_LATENCY.latencyMs} ms (±${NETWORK_LATENCY.jitterMs}) on every link`
          : ''),
    );
    const runStarted = Date.now();
    const progress = setInterval(() => log(`  … ${done} operations, ${pending.size} answers in doubt`), 15_000);
    await Promise.all([
      faultLoop(),
      networkLoop(),
      ...Array.from({ length: options.callers }, (_, i) => callerLoop(i)),
    ]).finally(() => clearInterval(progress));
    await nationalDb.end();
    if (networkPlan.length) cluster.healAll();
    log(`operations done in ${((Date.now() - runStarted) / 1000).toFixed(1)} s; waiting for recovery to finish`);
    const quiet = await quiesce(cluster);

    const checks: Check[] = [
      {
        name: 'every unknown answer was made final by asking again under its key',
        ok: pending.size === 0,
        detail: pending.size ? `${pending.size} left` : undefined,
      },
      {
        name: 'one answer per key (copies and replays)',
        ok: keyProblems.length === 0,
        detail: keyProblems.slice(0, 5).join('; ') || undefined,
      },
      {
        name: 'every answer as the model predicted',
        ok: answerProblems.length === 0,
        detail: answerProblems.slice(0, 5).join('; ') || undefined,
      },
      {
        name: 'no internal error in any answer',
        ok: p.internalErrors.length === 0,
        detail: p.internalErrors.slice(0, 5).join('; ') || undefined,
      },
      ...(networkPlan.length
        ? [
            {
              name: `no request held past its budget (NATIONAL_CALL_TIMEOUT_MS ${deadlines().nationalCallMs} ms + ${BUDGET_MARGIN_MS} ms)`,
              ok: p.slowestMs <= deadlines().nationalCallMs + BUDGET_MARGIN_MS,
              detail: `slowest ${p.slowestMs} ms`,
            },
          ]
        : []),
      {
        name: 'every planned crash point reached',
        ok: faults.every((f) => f.killed || reachedLater(faults, f)),
        detail:
          faults
            .filter((f) => !f.killed && !reachedLater(faults, f))
            .map((f) => `${f.target} ${f.crashAt}`)
            .join(', ') || undefined,
      },
      {
        name: 'recovery finished: nothing PENDING, no province step unapplied, no account moving',
        ok: quiet.quiet,
        detail: quiet.left ?? `${quiet.ms} ms`,
      },
      ...(sentWhile
        ? [answeredWhileCopyDown(sentWhile, faults), everyCopyKilled(cluster, provinces, faults, options.kills)]
        : []),
      ...(await finalChecks(p, families, provinces, frauds, {
        from: new Date(clock.getTime() - 86_400_000),
        to: new Date(clock.getTime() + 86_400_000),
      })),
    ];
    const failed = checks.filter((c) => !c.ok).length;
    return {
      seconds: (Date.now() - started) / 1000,
      operations: done,
      byKind,
      copies,
      replays,
      inDoubt,
      faults,
      networkFaults,
      slowestMs: p.slowestMs,
      quiesceMs: quiet.ms,
      checks,
      passed: checks.length - failed,
      failed,
    };
  } finally {
    await cluster.stop();
  }
}

/** Every request sent, with when it was sent and what came back (a run with copies checks those sent while a copy was down). */
function timedSends(p: ReturnType<typeof platform>): { sentAt: number; outcome: Outcome }[] {
  const sent: { sentAt: number; outcome: Outcome }[] = [];
  const plain = p.send.bind(p);
  p.send = async (request) => {
    const sentAt = Date.now();
    const outcome = await plain(request);
    sent.push({ sentAt, outcome });
    return outcome;
  };
  return sent;
}

/** How many times a crash point is armed before the run says it was never reached. */
const CRASH_POINT_TRIES = 3;

const reachedLater = (faults: FaultRecord[], missed: FaultRecord) =>
  faults.some((f) => f.killed && f.crashAt === missed.crashAt && f.target === missed.target);

/** With copies: a request sent while one copy of a service was down reached the others, and was answered or refused for a rule of its own. */
function answeredWhileCopyDown(sent: { sentAt: number; outcome: Outcome }[], faults: FaultRecord[]): Check {
  const windows = faults.flatMap((f) => (f.copyDown ? [{ ...f.copyDown, target: f.target }] : []));
  const during = sent.flatMap((s) => {
    const window = windows.find((w) => s.sentAt >= w.from && s.sentAt < w.to);
    return window ? [{ ...s, target: window.target }] : [];
  });
  const unanswered = during.filter(
    ({ outcome }) => outcome.kind === 'unknown' || (outcome.kind === 'refused' && /UNAVAILABLE$/.test(outcome.code)),
  );
  return {
    name: `requests sent while one copy was down were answered by the other copies (${during.length} sent in ${windows.length} windows)`,
    ok: unanswered.length === 0,
    detail:
      unanswered
        .slice(0, 5)
        .map(
          ({ target, outcome }) => `${target} down: ${outcome.kind === 'unknown' ? outcome.why : answerText(outcome)}`,
        )
        .join('; ') || undefined,
  };
}

/** With copies: every copy of every service was killed (when the run has a kill for each), and where crash points were reached. */
function everyCopyKilled(cluster: Cluster, provinces: string[], faults: FaultRecord[], kills: number): Check {
  const copies = ['gateway', 'national', ...provinces].flatMap((s) => cluster.copiesOf(s));
  const killed = new Set(faults.filter((f) => f.killed && !f.crashAt).map((f) => f.target));
  const crashed = new Map<string, number>();
  for (const f of faults) if (f.killed && f.crashAt) crashed.set(f.target, (crashed.get(f.target) ?? 0) + 1);
  const missed = kills >= copies.length ? copies.filter((c) => !killed.has(c)) : [];
  return {
    name: `every copy of every service was killed${kills >= copies.length ? '' : ` (not checked: ${kills} kills for ${copies.length} copies)`}`,
    ok: missed.length === 0,
    detail: `${missed.length ? `never killed: ${missed.join(', ')}; ` : ''}crash points reached in ${
      [...crashed]
        .sort()
        .map(([c, n]) => `${c} ${n}`)
        .join(', ') || 'no copy'
    }`,
  };
}

export function printReport(report: ChaosReport, log: (line: string) => void): void {
  log('');
  log(
    `operations: ${report.operations} in ${report.seconds.toFixed(0)} s (${report.copies} extra simultaneous copies, ${report.replays} replays)`,
  );
  for (const [kind, outcomes] of Object.entries(report.byKind).sort()) {
    log(
      `  ${kind.padEnd(13)} ${Object.entries(outcomes)
        .map(([o, n]) => `${o} ${n}`)
        .join(', ')}`,
    );
  }
  const kills = report.faults.filter((f) => f.killed);
  const byTarget = new Map<string, number>();
  for (const f of kills) byTarget.set(f.target, (byTarget.get(f.target) ?? 0) + 1);
  log(
    `kills: ${kills.length} (${[...byTarget].map(([t, n]) => `${t} ${n}`).join(', ')}), ${kills.filter((f) => f.crashAt).length} of them at CRASH_AT points`,
  );
  if (report.networkFaults.length) {
    const kinds = new Map<string, number>();
    for (const f of report.networkFaults)
      kinds.set(f.to === 'db' ? 'database cut' : f.kind, (kinds.get(f.to === 'db' ? 'database cut' : f.kind) ?? 0) + 1);
    log(
      `network faults: ${report.networkFaults.length} (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}); slowest answer ${report.slowestMs} ms`,
    );
  }
  log(
    `answers in doubt, then made final under their key: ${report.inDoubt}; recovery quiet ${report.quiesceMs} ms after the last operation`,
  );
  for (const check of report.checks)
    log(`  ${check.ok ? 'pass' : 'FAIL'}  ${check.name}${check.detail ? ` (${check.detail})` : ''}`);
  log(`${report.passed} passed, ${report.failed} failed`);
}
