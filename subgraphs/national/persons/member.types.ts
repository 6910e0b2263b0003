import { Directive, Field, ID, InputType, ObjectType } from 'type-graphql';
import { InsuranceType } from '../../common/enums';

@ObjectType({ description: 'A member, as the national wallet knows them.' })
@Directive('@key(fields: "id")')
export class Member {
  @Field(() => ID) id!: string;

  static ref(id: string): Member {
    return Object.assign(new Member(), { id });
  }
}

@ObjectType({ description: 'A medical-insurance wallet (医保钱包).' })
export class Wallet {
  @Field(() => Member) member!: Member;
  @Field() activatedAt!: Date;
}

@InputType({ description: 'Enrols a person in a pooling region (参保登记).' })
export class EnrollMemberInput {
  @Field({ description: 'Resident ID number (GB 11643), 18 characters.' }) idNumber!: string;
  @Field() name!: string;
  @Field(() => InsuranceType) insuranceType!: InsuranceType;
  @Field(() => ID, { description: 'Six-digit code of the pooling region of insurance (参保地).' }) poolingRegion!: string;
}
