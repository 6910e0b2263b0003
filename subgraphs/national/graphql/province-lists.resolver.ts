import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { PersonalData } from '../../common/platform/access-log';
import { requireStaffOf } from '../../common/platform/auth/access';
import { PageInput, pageOf } from '../../common/platform/graphql/connection';
import { timeKey } from '../../common/platform/data/keyset';
import type { NationalContext } from '../context';
import { Transfer, TransferConnection } from './transfer.types';
import { transfersTouching } from '../quota/transfers';
import { Relationship, RelationshipConnection, RelationshipStatus } from './relationship.types';
import { relationshipsTouching } from '../relationships/relationships';
import { ExpenseCategory } from '../settlement/expense-rules';
import { Settlement, SettlementConnection } from './settlement.types';
import { settlementsSpentIn } from '../settlement/settlement-store';
import { checkPeriod } from '../reports/period';

/**
 * A province's staff list what touches their province, a page at a time, each from its indexes
 * (migration PortalLists). R32: every member whose data a page shows is recorded, in one insert per
 * request, as the resolvers of a member's own page do.
 */
@Resolver()
export class ProvinceListsResolver {
  @Query(() => RelationshipConnection, {
    description:
      'Relationships whose donor or beneficiary is insured in the province, oldest first. For its portal and window operators.',
  })
  async relationships(
    @Arg('province', () => ID) province: string,
    @Ctx() ctx: NationalContext,
    @Arg('status', () => RelationshipStatus, { nullable: true }) status?: RelationshipStatus | null,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<RelationshipConnection> {
    requireStaffOf(ctx.caller, [province], "list this province's relationships");
    const statuses = status ? [status] : Object.values(RelationshipStatus);
    const found = await pageOf(
      page,
      (limit, after) => relationshipsTouching(ctx.reads, province, statuses, limit, after),
      Relationship.from,
      (r) => timeKey(r.establishedAt, r.id),
    );
    for (const { node } of found.edges)
      for (const member of [node.donor, node.beneficiary]) ctx.accessLog.note(member.id, PersonalData.RELATIONSHIPS);
    return found;
  }

  @Query(() => TransferConnection, {
    description:
      'Quota transfers made in [from, to) whose donor or beneficiary is insured in the province, oldest first; `crossProvince`: only those between provinces (true) or within one (false). For its portal and window operators.',
  })
  async transfers(
    @Arg('province', () => ID) province: string,
    @Arg('from') from: Date,
    @Arg('to') to: Date,
    @Ctx() ctx: NationalContext,
    @Arg('crossProvince', () => Boolean, { nullable: true }) crossProvince?: boolean | null,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<TransferConnection> {
    requireStaffOf(ctx.caller, [province], "list this province's transfers");
    const period = checkPeriod(from, to);
    const found = await pageOf(
      page,
      (limit, after) => transfersTouching(ctx.reads, province, period, crossProvince ?? null, limit, after),
      Transfer.from,
      (t) => timeKey(t.createdAt, t.id),
    );
    const relationships = await ctx.relationships.loadMany(found.edges.map((e) => e.node.relationshipId));
    for (const r of relationships) {
      if (r && !(r instanceof Error))
        for (const member of [r.donorId, r.beneficiaryId]) ctx.accessLog.note(member, PersonalData.QUOTA);
    }
    return found;
  }

  @Query(() => SettlementConnection, {
    description:
      'Settlements spent in the province (at its institutions; premiums of its residents) that settled in [from, to), in the order they settled. `institution`: its name; `crossProvince`: paid with quota of a donor of another province (true: what other provinces owe, R22) or not (false). For its portal and window operators.',
  })
  async settlements(
    @Arg('province', () => ID) province: string,
    @Arg('from') from: Date,
    @Arg('to') to: Date,
    @Ctx() ctx: NationalContext,
    @Arg('institution', () => String, { nullable: true }) institution?: string | null,
    @Arg('category', () => ExpenseCategory, { nullable: true }) category?: ExpenseCategory | null,
    @Arg('crossProvince', () => Boolean, { nullable: true }) crossProvince?: boolean | null,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<SettlementConnection> {
    requireStaffOf(ctx.caller, [province], 'list the settlements of this province');
    const period = checkPeriod(from, to);
    const filter = { institution, category, crossProvince };
    const found = await pageOf(
      page,
      (limit, after) => settlementsSpentIn(ctx.reads, province, period, filter, limit, after),
      Settlement.from,
      (s) => timeKey(s.settledAt ?? s.createdAt, s.id),
    );
    for (const { node } of found.edges) ctx.accessLog.note(node.beneficiary.id, PersonalData.SETTLEMENTS);
    return found;
  }
}
