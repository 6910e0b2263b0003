import { Arg, Ctx, Field, FieldResolver, ID, ObjectType, Resolver, Root, registerEnumType } from 'type-graphql';
import { PersonalData, readPersonalData } from '../../common/platform/access-log';
import { Connection, PageInput, pageOf } from '../../common/platform/graphql/connection';
import { type Fen } from '../../common/domain/money';
import { MoneyScalar } from '../../common/platform/graphql/money-scalar';
import type { NationalContext } from '../context';
import { Relationship } from './relationship.types';
import { eventKey, historyOf, MemberEventKind, type MemberEventRecord } from '../persons/member-history';
import { Member } from './member.types';

registerEnumType(MemberEventKind, {
  name: 'MemberEventKind',
  description: 'What happened to a member, as national records it.',
});

@ObjectType({ description: "One event of a member's history." })
class MemberEvent {
  @Field() at!: Date;
  @Field(() => MemberEventKind) kind!: MemberEventKind;
  @Field(() => ID, {
    description:
      'The relationship, transfer, settlement or refund it is about (the member id for the wallet and the membership).',
  })
  reference!: string;
  @Field(() => MoneyScalar, { nullable: true, description: 'The quota, settlement or refund amount.' })
  amount!: Fen | null;
  relationshipId!: string | null;
  @Field(() => Member, {
    nullable: true,
    description: 'The other side: the relative of a relationship or transfer, the other membership of a move.',
  })
  otherMember!: Member | null;

  static from(e: MemberEventRecord): MemberEvent {
    return Object.assign(new MemberEvent(), { ...e, otherMember: e.otherMember ? Member.ref(e.otherMember) : null });
  }
}

@ObjectType()
class MemberEventConnection extends Connection(MemberEvent, 'MemberEvent') {}

/** A member's history: for the member and their province's staff (R32: recorded as each kind of data it shows). */
@Resolver(() => Member)
export class MemberHistoryResolver {
  @FieldResolver(() => MemberEventConnection, {
    description:
      'What happened to this membership, newest first: wallet, relationships, quota, settlements, refunds, its end or move.',
  })
  async history(
    @Root() member: Member,
    @Ctx() ctx: NationalContext,
    @Arg('page', () => PageInput, { nullable: true }) page?: PageInput,
  ): Promise<MemberEventConnection> {
    readPersonalData(ctx, member.id, PersonalData.RELATIONSHIPS, 'see this history');
    for (const data of [PersonalData.WALLET, PersonalData.QUOTA, PersonalData.SETTLEMENTS])
      ctx.accessLog.note(member.id, data);
    return pageOf(
      page,
      (limit, after) => historyOf(ctx.reads, member.id, limit, after),
      MemberEvent.from,
      (e) => eventKey(e.at, e.kind, e.reference),
    );
  }
}

@Resolver(() => MemberEvent)
export class MemberEventResolver {
  @FieldResolver(() => Relationship, { nullable: true })
  async relationship(@Root() event: MemberEvent, @Ctx() ctx: NationalContext): Promise<Relationship | null> {
    const record = event.relationshipId ? await ctx.relationships.load(event.relationshipId) : null;
    return record ? Relationship.from(record) : null;
  }
}
