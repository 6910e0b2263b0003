import type { ServicePeers } from './auth/service-credential';
import { AdjustableClock, type Clock, systemClock, usePlatformClock } from './clock';
import type { JsonRoute } from './http/http-server';
import { harnessOperations } from './http/internal-contract';
import { INTERNAL_PREFIX, internalRoute } from './http/internal-rpc';

/** Who drives a test cluster from outside (its clock, recovery): the test harness's key, never in production. */
export const harnessCallers = (adjustableClock: unknown, production = false): string[] =>
  adjustableClock && !production ? ['test'] : [];

/**
 * A service's platform clock, made this process's: the system clock, or in a test cluster an
 * adjustable one with the internal `clock` operation the harness sets it by ({ now } sets the
 * time, { advanceMs } moves it on, { offsetMs } takes another copy's offset from the system clock, so
 * that every copy of every service keeps one time; the answer is the time and its offset).
 */
export function startPlatformClock(
  peers: ServicePeers,
  adjustable: { offsetMs: number } | undefined,
  production = false,
): { clock: Clock; routes: Record<string, JsonRoute> } {
  if (!adjustable) {
    usePlatformClock(systemClock);
    return { clock: systemClock, routes: {} };
  }
  const clock = new AdjustableClock(adjustable.offsetMs);
  usePlatformClock(clock);
  const setClock = internalRoute(
    peers,
    harnessCallers(adjustable, production),
    harnessOperations.clock,
    async ({ now, advanceMs, offsetMs: given }) => {
      const time =
        given !== undefined
          ? Date.now() + given
          : now
            ? new Date(now).getTime()
            : clock.now().getTime() + (advanceMs ?? 0);
      const offsetMs = clock.set(new Date(time));
      return { now: clock.now().toISOString(), offsetMs };
    },
  );
  return { clock, routes: { [`POST ${INTERNAL_PREFIX}clock`]: setClock } };
}
