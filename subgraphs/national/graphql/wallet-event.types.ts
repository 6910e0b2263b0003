import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { eventIdOf } from '../../common/domain/wallet-event-id';
import { Member } from './member.types';
import { WalletEventKind, type WalletEventRecord } from '../events/wallet-events';

registerEnumType(WalletEventKind, {
  name: 'WalletEventKind',
  valuesConfig: {
    TRANSFER_RECEIVED: {
      description: 'R9, R25: quota arrived, to accept by 06:00 Beijing time the next day (told to the beneficiary).',
    },
    TRANSFER_RETURNED: { description: 'R25: not accepted in time, given back to the donor (told to both).' },
    RELATIONSHIP_AWAITING_CONSENT: {
      description:
        "R27: a relationship was registered and waits for the beneficiary's consent (told to the beneficiary).",
    },
    RELATIONSHIP_ENDED: {
      description: 'R18, R26: dissolved, or ended with a membership; its unused quota went back (told to both).',
    },
    QUOTA_SPENT: {
      description: 'R14–R17: a settlement or premium drew on quota (told to the beneficiary and each donor drawn on).',
    },
    QUOTA_REFUNDED: { description: 'R19: a refund gave quota back (told to the beneficiary and each donor refunded).' },
  },
});

@ObjectType({
  description:
    "Something that happened to a member's wallet, as the subscription `walletEvents` delivers it. Its fields reach the rest of the graph, each as the subscriber may see it.",
})
export class WalletEvent {
  @Field(() => ID, {
    description: 'Ordered as delivered; pass the last one received as `after` to resume (kept 24 hours).',
  })
  id!: string;
  @Field(() => WalletEventKind) kind!: WalletEventKind;
  @Field() occurredAt!: Date;
  @Field(() => Member, { description: 'The member told.' }) member!: Member;
  relationshipId!: string | null; // resolved as `relationship`, `transfer`, `settlement`, `refund`
  transferId!: string | null;
  settlementId!: string | null;
  refundId!: string | null;

  static from(e: WalletEventRecord): WalletEvent {
    return Object.assign(new WalletEvent(), { ...e, id: eventIdOf(e.position), member: Member.ref(e.memberId) });
  }
}
