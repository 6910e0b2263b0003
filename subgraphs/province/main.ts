import './telemetry'; // first: tracing starts before http, undici and pg load
import 'reflect-metadata';
import { deadlinesFrom, useDeadlines } from '../common/platform/http/deadlines';
import { trustFrom } from '../common/platform/auth/trust-config';
import { personalDataSettingsOf } from '../common/platform/crypto/personal-data-at-rest';
import { armCrashPoint } from '../common/platform/crash-point';
import { serverTlsFrom, trustInternalCa } from '../common/platform/http/transit-tls';
import { runService } from '../common/platform/service-main';
import { provinceConfig } from './config';
import { startProvinceService } from './server';

const config = provinceConfig();
trustInternalCa(config);
armCrashPoint(config.CRASH_AT);
useDeadlines(deadlinesFrom(config));
runService(`province ${config.PROVINCE}`, async () =>
  startProvinceService({
    province: config.PROVINCE,
    databaseUrl: config.DATABASE_URL,
    port: config.PORT,
    host: config.HOST,
    tls: serverTlsFrom(config),
    production: config.NODE_ENV === 'production',
    trust: await trustFrom(config),
    personalData: personalDataSettingsOf(config),
    adjustableClock: config.ADJUSTABLE_CLOCK ? { offsetMs: config.CLOCK_OFFSET_MS } : undefined,
  }),
);
