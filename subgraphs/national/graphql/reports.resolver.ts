import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { requireAggregateReader } from '../../common/platform/auth/access';
import { Role } from '../../common/platform/auth/caller';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { clearingPosition, clearingReport } from '../clearing/clearing';
import type { NationalContext } from '../context';
import { reconcile } from '../reconciliation/reconciliation';
import { loadProvince } from './registry.resolver';
import type { Province } from './registry.types';
import { checkPeriod } from '../reports/period';
import {
  ClearingCounterpart,
  ClearingLine,
  ClearingPosition,
  ClearingReport,
  ReconciliationReport,
} from './reports.types';

@Resolver()
export class ReportsResolver {
  @Query(() => ClearingReport, { description: 'R22: what each province owes each other for a period [from, to).' })
  async clearingReport(
    @Arg('from') from: Date,
    @Arg('to') to: Date,
    @Ctx() ctx: NationalContext,
  ): Promise<ClearingReport> {
    requireAggregateReader(ctx.caller, 'clearing');
    checkPeriod(from, to);
    const lines = await clearingReport(ctx.db, from, to);
    const province = async (code: string) => (await loadProvince(ctx, code)) as Province;
    return Object.assign(new ClearingReport(), {
      from,
      to,
      lines: await Promise.all(
        lines.map(async (l) =>
          Object.assign(new ClearingLine(), {
            ...l,
            debtor: await province(l.debtorProvince),
            creditor: await province(l.creditorProvince),
          }),
        ),
      ),
    });
  }

  @Query(() => ClearingPosition, {
    description:
      'R22 for one province and a period [from, to): what each other province owes it and what it owes each. For its portal and the dashboard.',
  })
  async clearingPosition(
    @Arg('province', () => ID) code: string,
    @Arg('from') from: Date,
    @Arg('to') to: Date,
    @Ctx() ctx: NationalContext,
  ): Promise<ClearingPosition> {
    requireAggregateReader(ctx.caller, 'clearing', code);
    checkPeriod(from, to);
    const province = await loadProvince(ctx, code);
    if (!province) throw new Refusal(RefusalCode.INVALID_ARGUMENT, `There is no province ${code.slice(0, 4)}.`);
    const lines = await clearingPosition(ctx.reads, code, from, to);
    const sum = (pick: (l: (typeof lines)[number]) => bigint) => lines.reduce((total, l) => total + pick(l), 0n);
    return Object.assign(new ClearingPosition(), {
      province,
      from,
      to,
      owedToProvince: sum((l) => l.owedToProvince),
      owedByProvince: sum((l) => l.owedByProvince),
      net: sum((l) => l.owedToProvince - l.owedByProvince),
      counterparts: await Promise.all(
        lines.map(async (l) =>
          Object.assign(new ClearingCounterpart(), {
            ...l,
            net: l.owedToProvince - l.owedByProvince,
            province: (await loadProvince(ctx, l.counterpart)) as Province,
          }),
        ),
      ),
    });
  }

  @Query(() => ReconciliationReport, {
    description: "R20: checks a province's ledger, holds and quota against each other now.",
  })
  async reconciliation(
    @Arg('province', () => ID) code: string,
    @Ctx() ctx: NationalContext,
  ): Promise<ReconciliationReport> {
    requireAggregateReader(ctx.caller, 'reconciliation', code);
    const province = await loadProvince(ctx, code);
    if (!province) throw new Refusal(RefusalCode.INVALID_ARGUMENT, `There is no province ${code.slice(0, 4)}.`);
    const report = await reconcile(ctx.db, ctx.provinces, code);
    // The differences name accounts: they are for the province's own portal; others see how many.
    const differences = ctx.caller?.role === Role.PROVINCIAL_PORTAL ? report.differences : [];
    return Object.assign(new ReconciliationReport(), {
      ...report,
      province,
      differences,
      differenceCount: report.differences.length,
      balanced: report.differences.length === 0,
    });
  }
}
