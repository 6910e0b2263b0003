import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { NationalContext } from '../context';
import { activateWallet, changePlaceOfUse } from '../wallets/wallets';
import { changeInsurance } from './insurance-change';
import { ActivateWalletInput, ChangeInsuranceInput, EnrollMemberInput, InsuranceChange, Member, Wallet } from './member.types';
import { enrollPerson, findPersonByIdNumber } from './person-index';

@Resolver(() => Member)
export class MemberResolver {
  @Query(() => Member, { nullable: true, description: 'A member by id; the member\'s province answers for the details.' })
  async member(@Arg('id', () => ID) id: string, @Ctx() ctx: NationalContext): Promise<Member | null> {
    const person = await ctx.persons.load(id);
    if (person && person.state !== 'PENDING') return Member.ref(id);
    const ended: unknown[] = await ctx.db.query(`SELECT 1 FROM ended_membership WHERE member_id = $1`, [id]);
    return ended.length > 0 ? Member.ref(id) : null;
  }

  @Query(() => Member, { nullable: true, description: 'A member by resident ID number (the person index).' })
  async memberByIdNumber(@Arg('idNumber') idNumber: string, @Ctx() ctx: NationalContext): Promise<Member | null> {
    const person = await findPersonByIdNumber(ctx.db, idNumber);
    return person?.state === 'ACTIVE' && person.memberId ? Member.ref(person.memberId) : null;
  }

  @Mutation(() => Member, { description: 'Enrols a person in a pooling region; repeating it returns the same member.' })
  async enrollMember(@Arg('input', () => EnrollMemberInput) input: EnrollMemberInput, @Ctx() ctx: NationalContext): Promise<Member> {
    return Member.ref(await enrollPerson(ctx.db, ctx.provinces, input));
  }

  @Mutation(() => Wallet, { description: 'Activates the member\'s medical-insurance wallet (R5, R29).' })
  async activateWallet(@Arg('input', () => ActivateWalletInput) input: ActivateWalletInput, @Ctx() ctx: NationalContext): Promise<Wallet> {
    return Wallet.from(await activateWallet(ctx.db, input));
  }

  @Mutation(() => Wallet, { description: 'R29: changes where the member mostly uses the wallet.' })
  async changeWalletPlaceOfUse(
    @Arg('memberId', () => ID) memberId: string,
    @Arg('placeOfUse', () => ID) placeOfUse: string,
    @Ctx() ctx: NationalContext,
  ): Promise<Wallet> {
    return Wallet.from(await changePlaceOfUse(ctx.db, memberId, placeOfUse));
  }

  @Mutation(() => InsuranceChange, { description: 'R26: ends or moves a member\'s insurance; their relationships end with it.' })
  async changeInsurance(@Arg('input', () => ChangeInsuranceInput) input: ChangeInsuranceInput, @Ctx() ctx: NationalContext): Promise<InsuranceChange> {
    const result = await changeInsurance(ctx, input);
    return Object.assign(new InsuranceChange(), {
      endedMember: Member.ref(result.endedMemberId),
      newMember: result.newMemberId ? Member.ref(result.newMemberId) : null,
      endedRelationshipIds: result.endedRelationshipIds,
    });
  }

  @FieldResolver(() => Wallet, { nullable: true })
  async wallet(@Root() member: Member, @Ctx() ctx: NationalContext): Promise<Wallet | null> {
    const wallet = await ctx.wallets.load(member.id);
    return wallet ? Wallet.from(wallet) : null;
  }
}

export const memberReference = {
  __resolveReference(reference: { id: string }): Member {
    return Member.ref(reference.id);
  },
};
