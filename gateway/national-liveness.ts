import { LIVE_PATH, type ReadinessCheck } from '../subgraphs/common/platform/http/health';
import { deadlines } from '../subgraphs/common/platform/http/deadlines';

/**
 * The gateway's readiness asks whether national's process answers (its liveness), not whether
 * national is ready: a national database outage is answered NATIONAL_UNAVAILABLE per request by
 * every gateway copy, and must not take them all out of the load balancer at once.
 */
export function nationalAnswers(
  nationalGraphqlUrl: string | undefined,
  timeoutMs = deadlines().readyCheckMs,
): ReadinessCheck {
  return async () => {
    if (!nationalGraphqlUrl) throw new Error('no URL for national');
    const response = await fetch(new URL(LIVE_PATH, nationalGraphqlUrl), { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`national answered HTTP ${response.status}`);
  };
}
