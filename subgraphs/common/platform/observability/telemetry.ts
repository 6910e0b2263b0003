import type { SharedSettings } from '../config/shared';
import { logProcessWarnings, nameService, setLogLevel } from '../log';
import { startMetrics } from './metrics';
import { startTracing, type TracingSettings } from './tracing';

/** Who a service process is, in its log lines, metrics and spans. */
export interface ServiceIdentity {
  service: 'gateway' | 'national' | 'province';
  province?: string;
}

/**
 * Names the service in its logs and metrics and starts tracing when configured. The first thing
 * each service's main does (through its `telemetry.ts`), before http, undici or pg are loaded.
 */
export function startTelemetry(
  identity: ServiceIdentity,
  settings: TracingSettings & Pick<SharedSettings, 'LOG_LEVEL' | 'METRICS'>,
  passesTracesOn = false,
): void {
  const labels = identity.province
    ? { service: identity.service, province: identity.province }
    : { service: identity.service };
  setLogLevel(settings.LOG_LEVEL);
  nameService(labels);
  logProcessWarnings();
  startMetrics(labels, settings.METRICS === 'on');
  startTracing(identity.province ? `province-${identity.province}` : identity.service, settings, passesTracesOn);
}
