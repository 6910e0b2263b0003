import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { Connection } from '../../common/platform/graphql/connection';
import type { RegionRecord } from '../registry/registry';

@ObjectType({ description: 'A provincial-level division (GB/T 2260).' })
@Directive('@key(fields: "code")')
export class Province {
  @Field(() => ID, { description: 'Two-digit GB/T 2260 code, e.g. 32 for 江苏.' }) code!: string;
  @Field() name!: string;
  @Field({ description: 'Whether this province runs a deployment on the platform.' }) connected!: boolean;
}

@ObjectType({ description: 'A pooling region (统筹区) of a province.' })
@Directive('@key(fields: "code")')
export class PoolingRegion {
  @Field(() => ID, { description: 'Six-digit GB/T 2260 code, e.g. 320500 苏州市.' }) code!: string;
  @Field() name!: string;
  @Field({ description: 'R8: enabled for cross-province mutual aid (the pilot).' }) crossProvinceEnabled!: boolean;
  @Field({ description: 'R5: the medical-insurance wallet is switched on here.' }) walletEnabled!: boolean;
  provinceCode!: string;

  static from(record: RegionRecord): PoolingRegion {
    return Object.assign(new PoolingRegion(), record);
  }
}

@ObjectType()
export class ProvinceConnection extends Connection(Province, 'Province') {}

@ObjectType()
export class PoolingRegionConnection extends Connection(PoolingRegion, 'PoolingRegion') {}
