import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PersonalData, readPersonalData } from '../../common/platform/access-log';
import { isStaffOf, mayActFor, requireActingFor, requireStaffOf } from '../../common/platform/auth/access';
import { provinceOf, Role } from '../../common/platform/auth/caller';
import { checkEnrolment } from '../../common/domain/enrolment-rules';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { provinceOfRegion } from '../../common/domain/reference-data';
import { provinceOfMemberId } from '../../common/domain/routing-keys';
import type { NationalContext } from '../context';
import { areRelated } from '../relationships/relationships';
import { type WalletActivation, WalletOpener } from '../wallets/wallets';
import { activateWallet, changePlaceOfUse } from '../wallets/wallets';
import { changeInsurance } from '../persons/insurance-change';
import {
  AccountMove,
  ActivateWalletInput,
  ChangeInsuranceInput,
  EnrollMemberInput,
  InsuranceChange,
  Member,
  Wallet,
} from './member.types';
import { enrollPerson, findPersonByIdNumber } from '../persons/person-index';

@Resolver(() => Member)
export class MemberResolver {
  @Query(() => Member, {
    nullable: true,
    description: "A member by id; the member's province answers for the details.",
  })
  async member(@Arg('id', () => ID) id: string, @Ctx() ctx: NationalContext): Promise<Member | null> {
    if (!mayActFor(ctx.caller, id)) return null; // nobody learns whether another's member id exists
    const person = await ctx.persons.load(id);
    if (person && person.state !== 'PENDING') return Member.ref(id);
    const ended: unknown[] = await ctx.reads.query(`SELECT 1 FROM ended_membership WHERE member_id = $1`, [id]);
    return ended.length > 0 ? Member.ref(id) : null;
  }

  @Query(() => Member, { nullable: true, description: 'A member by resident ID number (the person index).' })
  async memberByIdNumber(@Arg('idNumber') idNumber: string, @Ctx() ctx: NationalContext): Promise<Member | null> {
    const person = await findPersonByIdNumber(ctx.reads, idNumber);
    if (!person?.memberId || person.state !== 'ACTIVE' || !mayActFor(ctx.caller, person.memberId)) return null;
    ctx.accessLog.note(person.memberId, PersonalData.ID_NUMBER); // staff looked a person up by ID number
    return Member.ref(person.memberId);
  }

  @Mutation(() => Member, { description: 'Enrols a person in a pooling region; repeating it returns the same member.' })
  async enrollMember(
    @Arg('input', () => EnrollMemberInput) input: EnrollMemberInput,
    @Ctx() ctx: NationalContext,
  ): Promise<Member> {
    const staff = ctx.caller && provinceOf(ctx.caller);
    if (!staff || !isStaffOf(ctx.caller, staff))
      throw new Refusal(RefusalCode.FORBIDDEN, "Members are enrolled by their province's staff.");
    checkEnrolment(input);
    // A province enrols in its own pooling regions only: the same refusal as for any other act on another province's member.
    requireStaffOf(ctx.caller, [provinceOfRegion(input.poolingRegion)], "enrol in another province's pooling region");
    return Member.ref(await enrollPerson(ctx.db, ctx.provinces, input));
  }

  @Mutation(() => Wallet, { description: "Activates the member's medical-insurance wallet (R5, R29)." })
  async activateWallet(
    @Arg('input', () => ActivateWalletInput) input: ActivateWalletInput,
    @Ctx() ctx: NationalContext,
  ): Promise<Wallet> {
    return Wallet.from(await activateWallet(ctx.db, await walletOpenedBy(ctx, input)));
  }

  @Mutation(() => Wallet, { description: 'R29: changes where the member mostly uses the wallet.' })
  async changeWalletPlaceOfUse(
    @Arg('memberId', () => ID) memberId: string,
    @Arg('placeOfUse', () => ID) placeOfUse: string,
    @Ctx() ctx: NationalContext,
  ): Promise<Wallet> {
    requireActingFor(ctx.caller, [memberId], 'change this wallet');
    return Wallet.from(await changePlaceOfUse(ctx.db, memberId, placeOfUse));
  }

  @Mutation(() => InsuranceChange, {
    description: "R26: ends or moves a member's insurance; their relationships end with it.",
  })
  async changeInsurance(
    @Arg('input', () => ChangeInsuranceInput) input: ChangeInsuranceInput,
    @Ctx() ctx: NationalContext,
  ): Promise<InsuranceChange> {
    requireStaffOf(ctx.caller, [provinceOfMemberId(input.memberId) ?? ''], "change this member's insurance");
    const result = await changeInsurance(ctx, input);
    return Object.assign(new InsuranceChange(), {
      endedMember: Member.ref(result.endedMemberId),
      newMember: result.newMemberId ? Member.ref(result.newMemberId) : null,
      endedRelationshipIds: result.endedRelationshipIds,
      accountMove: result.accountMove ? AccountMove.from(result.accountMove) : null,
    });
  }

  @FieldResolver(() => Wallet, { nullable: true })
  async wallet(@Root() member: Member, @Ctx() ctx: NationalContext): Promise<Wallet | null> {
    readPersonalData(ctx, member.id, PersonalData.WALLET, 'see this wallet');
    const wallet = await ctx.wallets.load(member.id);
    return wallet ? Wallet.from(wallet) : null;
  }
}

export const memberReference = {
  __resolveReference(reference: { id: string }): Member {
    return Member.ref(reference.id);
  },
};

/**
 * R29 with access: a member opens their own wallet, or a relative's (one they have a live
 * mutual-aid relationship with) as that relative (RELATIVE); a window operator opens one for a
 * member of their province and is recorded (CLERK). Nobody else learns whether a member exists.
 */
async function walletOpenedBy(ctx: NationalContext, input: WalletActivation): Promise<WalletActivation> {
  const caller = ctx.caller;
  if (caller?.role === Role.MEMBER && caller.memberId !== input.memberId) {
    if (!(await areRelated(ctx.db, caller.memberId, input.memberId))) {
      throw new Refusal(
        RefusalCode.FORBIDDEN,
        "A wallet is opened on someone's behalf only by a relative registered with them, or at a window.",
      );
    }
    return { ...input, openedBy: WalletOpener.RELATIVE, openedByMemberId: caller.memberId, operatorId: null };
  }
  requireActingFor(caller, [input.memberId], 'open this wallet');
  if (caller?.role === Role.PROVINCIAL_PORTAL) {
    throw new Refusal(RefusalCode.FORBIDDEN, 'A wallet is opened by the member, a relative or a window clerk (R29).');
  }
  if (caller?.role === Role.WINDOW_OPERATOR)
    return { ...input, openedBy: WalletOpener.CLERK, operatorId: caller.operatorId };
  if (caller?.role === Role.MEMBER)
    return { ...input, openedBy: WalletOpener.SELF, openedByMemberId: null, operatorId: null };
  return input;
}
