/**
 * The one clock every time-dependent rule reads (R24 night window and daily count, R25 return at
 * 06:00), and every time the platform records (a wallet's activation, a ledger entry, a settlement,
 * a history's events): never the database's now(), which a test cluster cannot move. In production
 * it is the system clock. A test cluster starts its services with ADJUSTABLE_CLOCK=1 and may then
 * set the time over each service's internal `clock` operation: the clock keeps running from the
 * time set, so durations stay real, and a restart with CLOCK_OFFSET_MS (the offset the operation
 * answered) goes on from where it was.
 */
export interface Clock {
  now(): Date;
}

export class AdjustableClock implements Clock {
  /** `offsetMs`: how far ahead of the system clock it starts (a restarted test service keeps its time). */
  constructor(private offsetMs = 0) {}

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Sets the time; returns the new offset from the system clock. */
  set(time: Date): number {
    this.offsetMs = time.getTime() - Date.now();
    return this.offsetMs;
  }
}

export const systemClock: Clock = { now: () => new Date() };

let processClock: Clock = systemClock;

/** Makes `clock` this process's platform clock (a service does it once, at start). */
export function usePlatformClock(clock: Clock): void {
  processClock = clock;
}

/** The platform's time now, for code that records a time outside a request's context. */
export const platformNow = (): Date => processClock.now();

/** Beijing time (UTC+8, no daylight saving): the pilot's rules are stated in it. */
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** Minutes since Beijing midnight. */
export function beijingMinuteOfDay(time: Date): number {
  const shifted = new Date(time.getTime() + BEIJING_OFFSET_MS);
  return shifted.getUTCHours() * 60 + shifted.getUTCMinutes();
}

/** The instant the Beijing calendar day of `time` began. */
export function beijingDayStart(time: Date): Date {
  const shifted = time.getTime() + BEIJING_OFFSET_MS;
  return new Date(shifted - (shifted % 86_400_000) - BEIJING_OFFSET_MS);
}

/** 06:00 Beijing time on the day after `time` (R25's deadline for accepting a transfer). */
export function nextBeijingSixAm(time: Date): Date {
  return new Date(beijingDayStart(time).getTime() + 86_400_000 + 6 * 3_600_000);
}
