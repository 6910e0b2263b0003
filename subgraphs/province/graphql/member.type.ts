import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { InsuranceType } from '../../common/domain/enums';
import { maskIdNumber } from '../../common/domain/id-number';
import { MemberStatus, type MemberRecord } from '../members/members';

registerEnumType(MemberStatus, { name: 'MemberStatus', description: 'Whether the insurance is in force.' });

/**
 * The province's own fields of its entities are nullable: in a list or page that spans provinces,
 * a province that does not answer nulls only its own fields (with an error at their path), not the
 * whole answer. Its deployment itself always answers them.
 */
export const UNANSWERED = "Null only when the member's province does not answer (an error at this path says so).";

/** A pooling region, owned by the national subgraph; the province only names it. */
@ObjectType()
@Directive('@key(fields: "code", resolvable: false)')
export class PoolingRegion {
  @Field(() => ID) code!: string;
}

@ObjectType({ description: 'A person insured in a pooling region of this province (参保人).' })
@Directive('@key(fields: "id")')
export class Member {
  @Field(() => ID, { description: 'Begins with the six-digit pooling region, e.g. 320500-00000042.' })
  id!: string;

  /** Shown whole only to the member and their own province's staff: see member.resolver.ts. */
  fullName!: string;
  idNumber!: string;

  @Field({
    nullable: true,
    description: `The resident ID number with all but the first three and last four characters hidden. ${UNANSWERED}`,
  })
  maskedIdNumber!: string;

  @Field(() => InsuranceType, { nullable: true, description: UNANSWERED }) insuranceType!: InsuranceType;

  @Field(() => PoolingRegion, { nullable: true, description: UNANSWERED }) poolingRegion!: PoolingRegion;

  @Field(() => MemberStatus, { nullable: true, description: UNANSWERED }) status!: MemberStatus;

  @Field({ nullable: true, description: UNANSWERED }) enrolledAt!: Date;

  static from(record: MemberRecord): Member {
    return Object.assign(new Member(), {
      id: record.id,
      fullName: record.name,
      idNumber: record.idNumber,
      maskedIdNumber: maskIdNumber(record.idNumber),
      insuranceType: record.insuranceType,
      poolingRegion: { code: record.poolingRegion },
      status: record.status,
      enrolledAt: record.enrolledAt,
    });
  }
}
