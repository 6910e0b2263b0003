import type { ProvinceContext } from '../context';
import { Member } from './member.type';

/** Resolves `Member` references for the gateway, batched through the request's loader. */
export const memberReference = {
  async __resolveReference(reference: { id: string }, context: ProvinceContext): Promise<Member | null> {
    const record = await context.members.load(reference.id);
    return record ? Member.from(record) : null;
  },
};
