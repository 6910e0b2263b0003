import { Arg, Ctx, FieldResolver, ID, type PubSub, Query, Resolver, Root, Subscription } from 'type-graphql';
import { PersonalData } from '../../common/platform/access-log';
import { mayActFor } from '../../common/platform/auth/access';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { positionOf } from '../../common/domain/wallet-event-id';
import type { NationalContext } from '../context';
import { Transfer } from './transfer.types';
import { findTransfer } from '../quota/transfers';
import { Relationship } from './relationship.types';
import { findRefund } from '../settlement/refunds';
import { maySeeSettlement } from './settlement.resolver';
import { Refund, Settlement } from './settlement.types';
import { findSettlement } from '../settlement/settlement-store';
import { WalletEvent } from './wallet-event.types';
import { findWalletEvent, WalletEventKind } from '../events/wallet-events';

const elsewhere = () =>
  new Refusal(
    RefusalCode.INVALID_ARGUMENT,
    'Wallet events are delivered by the gateway, at /graphql/stream (GraphQL over server-sent events).',
  );

/**
 * National declares the subscription, so the graph shows it, and answers one event by id; the
 * gateway delivers the subscription (gateway/wallet-events/), running the subscriber's selection
 * on `walletEvent` for each event. National itself never delivers it.
 */
export const deliveredByTheGateway: PubSub = {
  publish: () => undefined,
  subscribe: () => {
    throw elsewhere();
  },
};

/** R32: what a staff read of an event is a read of. */
const DATA_OF_KIND: Record<WalletEventKind, PersonalData> = {
  [WalletEventKind.TRANSFER_RECEIVED]: PersonalData.RELATIONSHIPS,
  [WalletEventKind.TRANSFER_RETURNED]: PersonalData.RELATIONSHIPS,
  [WalletEventKind.RELATIONSHIP_AWAITING_CONSENT]: PersonalData.RELATIONSHIPS,
  [WalletEventKind.RELATIONSHIP_ENDED]: PersonalData.RELATIONSHIPS,
  [WalletEventKind.QUOTA_SPENT]: PersonalData.SETTLEMENTS,
  [WalletEventKind.QUOTA_REFUNDED]: PersonalData.SETTLEMENTS,
};

@Resolver(() => WalletEvent)
export class WalletEventResolver {
  @Subscription(() => WalletEvent, {
    description:
      'The wallet events of a member, as they happen: their own (a member), or those of a member of their province (a portal or window operator). Served by the gateway at /graphql/stream (GraphQL over server-sent events); `after`, the last event id received, resumes without missing any event of the last 24 hours.',
    subscribe: () => {
      throw elsewhere();
    },
  })
  walletEvents(
    @Root() event: WalletEvent | undefined,
    @Arg('memberId', () => ID) _memberId: string,
    @Arg('after', () => ID, { nullable: true }) _after?: string,
  ): WalletEvent {
    if (!event) throw elsewhere();
    return event;
  }

  @Query(() => WalletEvent, {
    nullable: true,
    description: 'One wallet event by id, as the subscription delivers it (kept 24 hours).',
  })
  async walletEvent(@Arg('id', () => ID) id: string, @Ctx() ctx: NationalContext): Promise<WalletEvent | null> {
    const position = positionOf(id);
    const event = position && (await findWalletEvent(ctx.reads, position));
    if (!event || !mayActFor(ctx.caller, event.memberId)) return null;
    ctx.accessLog.note(event.memberId, DATA_OF_KIND[event.kind]);
    return WalletEvent.from(event);
  }

  @FieldResolver(() => Relationship, {
    nullable: true,
    description: "The relationship it is about (for a settlement or refund, the donor's).",
  })
  async relationship(@Root() event: WalletEvent, @Ctx() ctx: NationalContext): Promise<Relationship | null> {
    const record = event.relationshipId ? await ctx.relationships.load(event.relationshipId) : null;
    return record ? Relationship.from(record) : null;
  }

  @FieldResolver(() => Transfer, { nullable: true, description: 'The transfer received or returned.' })
  async transfer(@Root() event: WalletEvent, @Ctx() ctx: NationalContext): Promise<Transfer | null> {
    const record = event.transferId ? await findTransfer(ctx.reads, event.transferId) : undefined;
    return record ? Transfer.from(record) : null;
  }

  @FieldResolver(() => Settlement, {
    nullable: true,
    description:
      "The settlement or premium that drew on quota, or that was refunded; null for whoever may not see it (a donor does not see the beneficiary's expenses).",
  })
  async settlement(@Root() event: WalletEvent, @Ctx() ctx: NationalContext): Promise<Settlement | null> {
    const record = event.settlementId ? await findSettlement(ctx.reads, event.settlementId) : undefined;
    return record && maySeeSettlement(ctx.caller, record) ? Settlement.from(record) : null;
  }

  @FieldResolver(() => Refund, { nullable: true, description: 'The refund, for whoever may see its settlement.' })
  async refund(@Root() event: WalletEvent, @Ctx() ctx: NationalContext): Promise<Refund | null> {
    if (!event.refundId || !event.settlementId) return null;
    const [refund, settlement] = await Promise.all([
      findRefund(ctx.reads, event.refundId),
      findSettlement(ctx.reads, event.settlementId),
    ]);
    return refund && settlement && maySeeSettlement(ctx.caller, settlement) ? Refund.from(refund) : null;
  }
}
