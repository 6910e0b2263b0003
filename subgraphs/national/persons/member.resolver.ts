import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { NationalContext } from '../context';
import { activateWallet } from '../wallets/wallets';
import { EnrollMemberInput, Member, Wallet } from './member.types';
import { enrollPerson, findPersonByIdNumber } from './person-index';

const toWallet = (w: { memberId: string; activatedAt: Date }): Wallet =>
  Object.assign(new Wallet(), { member: Member.ref(w.memberId), activatedAt: w.activatedAt });

@Resolver(() => Member)
export class MemberResolver {
  @Query(() => Member, { nullable: true, description: 'A member by id; the member\'s province answers for the details.' })
  async member(@Arg('id', () => ID) id: string, @Ctx() ctx: NationalContext): Promise<Member | null> {
    const person = await ctx.persons.load(id);
    return person?.state === 'ACTIVE' ? Member.ref(id) : null;
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

  @Mutation(() => Wallet, { description: 'Activates the member\'s medical-insurance wallet (R5).' })
  async activateWallet(@Arg('memberId', () => ID) memberId: string, @Ctx() ctx: NationalContext): Promise<Wallet> {
    return toWallet(await activateWallet(ctx.db, memberId));
  }

  @FieldResolver(() => Wallet, { nullable: true })
  async wallet(@Root() member: Member, @Ctx() ctx: NationalContext): Promise<Wallet | null> {
    const wallet = await ctx.wallets.load(member.id);
    return wallet ? toWallet(wallet) : null;
  }
}

export const memberReference = {
  __resolveReference(reference: { id: string }): Member {
    return Member.ref(reference.id);
  },
};
