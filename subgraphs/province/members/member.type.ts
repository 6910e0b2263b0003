import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { InsuranceType } from '../../common/enums';
import { maskIdNumber } from '../../common/id-number';
import { MemberStatus, type MemberRecord } from './members';

registerEnumType(MemberStatus, { name: 'MemberStatus', description: 'Whether the insurance is in force.' });

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

  @Field({ description: 'The resident ID number with all but the first three and last four characters hidden.' })
  maskedIdNumber!: string;

  @Field(() => InsuranceType) insuranceType!: InsuranceType;

  @Field(() => PoolingRegion) poolingRegion!: PoolingRegion;

  @Field(() => MemberStatus) status!: MemberStatus;

  @Field() enrolledAt!: Date;

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
