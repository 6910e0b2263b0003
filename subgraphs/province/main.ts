import './telemetry'; // first: tracing starts before http, undici and pg load
import 'reflect-metadata';
import { requiredEnv, runService } from '../common/service-main';
import { startProvinceService } from './server';
import { trustFromEnv } from '../common/auth/trust-config';
import { adjustableClockFromEnv } from '../common/clock';

const province = requiredEnv('PROVINCE');
runService(`province ${province}`, async () =>
  startProvinceService({
    province,
    databaseUrl: requiredEnv('DATABASE_URL'),
    port: Number(process.env.PORT ?? 0),
    host: process.env.HOST,
    trust: await trustFromEnv(),
    adjustableClock: adjustableClockFromEnv(process.env),
  }),
);
