import { Refusal, RefusalCode } from '../../common/domain/errors';
import type { ProvinceContext } from '../context';
import { provinceFigures } from '../statistics/province-figures';
import { Province } from './province.type';

/** Resolves the province's own figures; a reference to another province was misrouted. */
export const provinceReference = {
  async __resolveReference(reference: { code: string }, context: ProvinceContext): Promise<Province> {
    if (reference.code !== context.province) {
      throw new Refusal(
        RefusalCode.PROVINCE_UNROUTABLE,
        `This deployment serves province ${context.province}, not ${String(reference.code).slice(0, 4)}.`,
      );
    }
    return Province.from(reference.code, await provinceFigures(context.db));
  },
};
