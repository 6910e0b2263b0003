import { Arg, Ctx, Field, ID, InputType, ObjectType, Query, Resolver } from 'type-graphql';
import { PersonalData } from '../../common/platform/access-log';
import { requireStaffOf } from '../../common/platform/auth/access';
import { Connection, PageInput, pageOf } from '../../common/platform/graphql/connection';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import type { ProvinceContext } from '../context';
import { checkSearch, MIN_NAME_PREFIX, searchKey, searchMembers } from '../members/member-search';
import { Member } from './member.type';
import { MemberStatus } from '../members/members';

@InputType({ description: "A search of a province's members; every filter given must hold." })
class MemberFilter {
  @Field(() => String, {
    nullable: true,
    description: 'The whole resident ID number: every membership of that person here, ended ones too.',
  })
  idNumber?: string | null;

  @Field(() => String, {
    nullable: true,
    description: `The beginning of the name, at least ${MIN_NAME_PREFIX} characters (伍强 for 伍强 and 伍强华); then the list is in name order.`,
  })
  namePrefix?: string | null;

  @Field(() => ID, { nullable: true, description: 'A pooling region of the province.' }) poolingRegion?: string | null;

  @Field(() => MemberStatus, { nullable: true }) status?: MemberStatus | null;
}

@ObjectType()
class MemberConnection extends Connection(Member, 'Member') {}

@Resolver()
export class MemberListResolver {
  @Query(() => MemberConnection, {
    nullable: true,
    description:
      "A provincial portal's or window operator's search of its own province's members, by member id (by name with `namePrefix`). Null, with an error, while the province does not answer.",
  })
  async members(
    @Arg('province', () => ID) province: string,
    @Ctx() ctx: ProvinceContext,
    @Arg('filter', () => MemberFilter, { nullable: true }) filter?: MemberFilter,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<MemberConnection> {
    requireStaffOf(ctx.caller, [province], "search this province's members");
    if (province !== ctx.province) {
      throw new Refusal(
        RefusalCode.PROVINCE_UNROUTABLE,
        `This deployment serves province ${ctx.province}, not ${province.slice(0, 4)}.`,
      );
    }
    const search = checkSearch(filter ?? {}, province);
    const found = await pageOf(
      page,
      (limit, after) => searchMembers(ctx.reads, search, limit, after),
      Member.from,
      (m) => searchKey(search, { id: m.id, name: m.fullName }),
    );
    // R32: a search by ID number or name tells whom it found, whatever is selected.
    const searchedBy = search.idNumber ? PersonalData.ID_NUMBER : search.namePrefix ? PersonalData.NAME : undefined;
    if (searchedBy) for (const { node } of found.edges) ctx.accessLog.note(node.id, searchedBy);
    return found;
  }
}
