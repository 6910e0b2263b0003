/**
 * A crash point for failure tests: with CRASH_AT="placeHold:after" (an operation and a moment) the
 * process kills itself at that point, as a power cut would. Unset in normal operation. The points
 * are listed in CRASH_POINTS so that a fault-injection run can visit every one.
 */
export function crashPoint(operation: string, moment: 'before' | 'after'): void {
  if (armed === `${operation}:${moment}`) process.kill(process.pid, 'SIGKILL');
}

let armed: string | undefined;

/** Arms the crash point the service's configuration names (CRASH_AT), if any. */
export function armCrashPoint(point: string | undefined): void {
  armed = point;
}

const both = (operations: string[]) => operations.flatMap((o) => [`${o}:before`, `${o}:after`]);

/** Every crash point, by the service that has it. */
export const CRASH_POINTS = {
  // A province's internal operations, around their transaction.
  province: both([
    'placeHold',
    'captureHold',
    'releaseHold',
    'restoreHold',
    'spendOwn',
    'refundToAccount',
    'endMembership',
    'moveOut',
    'moveIn',
    'moveAccount',
  ]),
  // National, between the steps of an operation that spans databases.
  national: [
    'recordTransfer:after',
    'commitTransfer:before',
    'recordSettlement:after',
    'settleQuota:before',
    'decideRefund:after',
    'payPremium:after',
    'changeInsurance:after',
  ],
} as const;
