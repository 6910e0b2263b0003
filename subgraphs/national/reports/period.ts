import { Refusal, RefusalCode } from '../../common/domain/errors';

/** The longest period [from, to) a report or a list of a period covers. */
export const MAX_PERIOD_DAYS = 366;

export interface Period {
  from: Date;
  to: Date;
}

/** A period that ends after it starts and lasts at most MAX_PERIOD_DAYS, or INVALID_ARGUMENT. */
export function checkPeriod(from: Date, to: Date): Period {
  const days = (to.getTime() - from.getTime()) / 86_400_000;
  if (!(days > 0) || days > MAX_PERIOD_DAYS) {
    throw new Refusal(
      RefusalCode.INVALID_ARGUMENT,
      `The period must end after it starts and last at most ${MAX_PERIOD_DAYS} days.`,
    );
  }
  return { from, to };
}
