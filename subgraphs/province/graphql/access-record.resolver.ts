import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { requirePortalOf } from '../../common/platform/auth/access';
import { Role } from '../../common/platform/auth/caller';
import { PageInput, pageOf } from '../../common/platform/graphql/connection';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import type { ProvinceContext } from '../context';
import { Member } from './member.type';
import { DataAccessRecord, DataAccessRecordConnection } from './access-record.type';
import { recordsOfMember, recordsOfStaff } from '../access-log/access-records';

/** A position in the record (its sequence number); anything else is not a cursor this list gave out. */
function afterSeq(after: string | undefined): string | undefined {
  if (after !== undefined && !/^\d{1,18}$/.test(after))
    throw new Refusal(RefusalCode.INVALID_ARGUMENT, 'The page cursor is not one this list gave out.');
  return after;
}

/** R32: the member reads who read their personal data; a province's portal reads what its staff read; nobody else. */
@Resolver(() => Member)
export class MemberAccessLogResolver {
  @FieldResolver(() => DataAccessRecordConnection, {
    description: 'R32: who among staff read your personal data, newest first. For the member themself only.',
  })
  async dataAccessLog(
    @Root() member: Member,
    @Ctx() ctx: ProvinceContext,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<DataAccessRecordConnection> {
    if (ctx.caller?.role !== Role.MEMBER || ctx.caller.memberId !== member.id) {
      throw new Refusal(RefusalCode.FORBIDDEN, "The record of reads of a member's data is for that member only.");
    }
    return pageOf(
      page,
      (limit, after) => recordsOfMember(ctx.db, member.id, limit, afterSeq(after)),
      DataAccessRecord.from,
      (r) => r.seq,
    );
  }
}

@Resolver()
export class StaffAccessLogResolver {
  @Query(() => DataAccessRecordConnection, {
    description:
      "R32: reads of members' personal data by this province's staff, newest first. For the province's portal.",
  })
  async dataAccessRecords(
    @Arg('province', () => ID) province: string,
    @Ctx() ctx: ProvinceContext,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<DataAccessRecordConnection> {
    requirePortalOf(ctx.caller, province, "read the access record of this province's staff");
    if (province !== ctx.province)
      throw new Refusal(RefusalCode.FORBIDDEN, 'This deployment keeps the record of its own province only.');
    return pageOf(
      page,
      (limit, after) => recordsOfStaff(ctx.db, province, limit, afterSeq(after)),
      DataAccessRecord.from,
      (r) => r.seq,
    );
  }
}
