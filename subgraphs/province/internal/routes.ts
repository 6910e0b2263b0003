import type { DataSource } from 'typeorm';
import type { EnrolmentRequest } from '../../common/enrolment-rules';
import type { JsonRoute } from '../../common/http-server';
import { INTERNAL_PREFIX, internalRoute } from '../../common/internal-rpc';
import { enrol } from '../members/members';

/** The province's internal operations, called by the national subgraph with the service credential. */
export function internalRoutes(db: DataSource, province: string, serviceToken: string): Record<string, JsonRoute> {
  const route = <In, Out>(name: string, operation: (input: In) => Promise<Out>): [string, JsonRoute] => [
    `POST ${INTERNAL_PREFIX}${name}`,
    internalRoute(serviceToken, operation),
  ];
  return Object.fromEntries([
    route('enrol', async (input: EnrolmentRequest) => {
      const member = await enrol(db, province, input);
      return { memberId: member.id, insuranceType: member.insuranceType, poolingRegion: member.poolingRegion };
    }),
  ]);
}
