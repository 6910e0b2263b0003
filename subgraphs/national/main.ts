import './telemetry'; // first: tracing starts before http, undici and pg load
import 'reflect-metadata';
import { requiredEnv, runService } from '../common/service-main';
import { parseProvinceUrls } from './provinces/province-directory';
import { startNationalService } from './server';
import { trustFromEnv } from '../common/auth/trust-config';
import { adjustableClockFromEnv } from '../common/clock';

runService('national', async () =>
  startNationalService({
    databaseUrl: requiredEnv('DATABASE_URL'),
    port: Number(process.env.PORT ?? 0),
    host: process.env.HOST,
    trust: await trustFromEnv(),
    provinceUrls: parseProvinceUrls(process.env.PROVINCE_URLS),
    recoveryIntervalMs: Number(process.env.RECOVERY_INTERVAL_MS ?? 2000),
    recoveryGraceSeconds: Number(process.env.RECOVERY_GRACE_SECONDS ?? 5),
    accessForwardIntervalMs: Number(process.env.ACCESS_FORWARD_INTERVAL_MS ?? 1000),
    adjustableClock: adjustableClockFromEnv(process.env),
  }),
);
