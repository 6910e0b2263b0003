import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { maskName, mayActFor } from '../../common/auth/access';
import { Role } from '../../common/auth/caller';
import type { ProvinceContext } from '../context';
import { Member } from './member.type';

/** Personal data of a member: whole for the member and their province's staff, masked for others. */
@Resolver(() => Member)
export class MemberPersonalDataResolver {
  @FieldResolver(() => String, { description: 'Masked (伍*) unless you are this member or their province\'s staff.' })
  name(@Root() member: Member, @Ctx() ctx: ProvinceContext): string {
    return mayActFor(ctx.caller, member.id) ? member.fullName : maskName(member.fullName);
  }

  @FieldResolver(() => String, { nullable: true, description: 'The whole ID number: for the member themself only.' })
  idNumber(@Root() member: Member, @Ctx() ctx: ProvinceContext): string | null {
    return ctx.caller?.role === Role.MEMBER && ctx.caller.memberId === member.id ? member.idNumber : null;
  }
}
