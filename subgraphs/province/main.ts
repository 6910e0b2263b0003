import 'reflect-metadata';
import { requiredEnv, runService } from '../common/service-main';
import { startProvinceService } from './server';

const province = requiredEnv('PROVINCE');
runService(`province ${province}`, () =>
  startProvinceService({
    province,
    databaseUrl: requiredEnv('DATABASE_URL'),
    port: Number(process.env.PORT ?? 0),
    host: process.env.HOST,
    authSecret: requiredEnv('AUTH_SECRET'),
  }),
);
