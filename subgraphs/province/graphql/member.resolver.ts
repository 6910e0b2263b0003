import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { PersonalData } from '../../common/platform/access-log';
import { maskName, mayActFor } from '../../common/platform/auth/access';
import { Role } from '../../common/platform/auth/caller';
import type { ProvinceContext } from '../context';
import { Member, UNANSWERED } from './member.type';

/** Personal data of a member: whole for the member and their province's staff (R32: a staff read is recorded), masked for others. */
@Resolver(() => Member)
export class MemberPersonalDataResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: `Masked (伍*) unless you are this member or their province's staff. ${UNANSWERED}`,
  })
  name(@Root() member: Member, @Ctx() ctx: ProvinceContext): string {
    if (!mayActFor(ctx.caller, member.id)) return maskName(member.fullName);
    ctx.accessLog.note(member.id, PersonalData.NAME);
    return member.fullName;
  }

  @FieldResolver(() => String, { nullable: true, description: 'The whole ID number: for the member themself only.' })
  idNumber(@Root() member: Member, @Ctx() ctx: ProvinceContext): string | null {
    return ctx.caller?.role === Role.MEMBER && ctx.caller.memberId === member.id ? member.idNumber : null;
  }
}
