import { Field, ID, ObjectType } from 'type-graphql';
import { PersonalData } from '../../common/platform/access-log';
import { Connection } from '../../common/platform/graphql/connection';
import type { AccessRecordRow } from '../access-log/access-records';

@ObjectType({ description: "R32: one read by staff of a member's personal data." })
export class DataAccessRecord {
  seq!: string;
  @Field(() => ID, { description: 'The member whose data was read.' }) memberId!: string;
  @Field(() => PersonalData) data!: PersonalData;
  @Field({ description: 'PROVINCIAL_PORTAL or WINDOW_OPERATOR.' }) readerRole!: string;
  @Field({ description: 'The province of the staff who read it.' }) readerProvince!: string;
  @Field(() => String, { nullable: true, description: 'The window operator, when one read it.' }) operatorId!:
    | string
    | null;
  @Field() readAt!: Date;

  static from(row: AccessRecordRow): DataAccessRecord {
    return Object.assign(new DataAccessRecord(), row);
  }
}

@ObjectType()
export class DataAccessRecordConnection extends Connection(DataAccessRecord, 'DataAccessRecord') {}
