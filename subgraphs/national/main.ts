import './telemetry'; // first: tracing starts before http, undici and pg load
import 'reflect-metadata';
import { breakerSettingsFrom } from '../common/platform/http/circuit-breaker';
import { deadlinesFrom, useDeadlines } from '../common/platform/http/deadlines';
import { trustFrom } from '../common/platform/auth/trust-config';
import { personalDataSettingsOf } from '../common/platform/crypto/personal-data-at-rest';
import { armCrashPoint } from '../common/platform/crash-point';
import { serverTlsFrom, trustInternalCa } from '../common/platform/http/transit-tls';
import { runService } from '../common/platform/service-main';
import { nationalConfig } from './config';
import { startNationalService } from './server';

const config = nationalConfig();
trustInternalCa(config);
armCrashPoint(config.CRASH_AT);
useDeadlines(deadlinesFrom(config));
runService('national', async () =>
  startNationalService({
    databaseUrl: config.DATABASE_URL,
    port: config.PORT,
    breaker: breakerSettingsFrom(config),
    host: config.HOST,
    tls: serverTlsFrom(config),
    production: config.NODE_ENV === 'production',
    trust: await trustFrom(config),
    personalData: personalDataSettingsOf(config),
    provinceUrls: config.PROVINCE_URLS ?? {},
    recoveryIntervalMs: config.RECOVERY_INTERVAL_MS,
    recoveryGraceSeconds: config.RECOVERY_GRACE_SECONDS,
    accessForwardIntervalMs: config.ACCESS_FORWARD_INTERVAL_MS,
    reconciliationIntervalMs: config.RECONCILIATION_INTERVAL_MS,
    adjustableClock: config.ADJUSTABLE_CLOCK ? { offsetMs: config.CLOCK_OFFSET_MS } : undefined,
  }),
);
