import './telemetry'; // first: tracing starts before http and undici load
import { launcherSaysReady, requiredEnv, runService } from '../subgraphs/common/service-main';
import { parseProvinceUrls } from '../subgraphs/national/provinces/province-directory';
import { corsPolicyFrom } from '../subgraphs/common/cors';
import { rateLimitFromEnv } from './rate-limit';
import { startGateway } from './server';
import { trustFromEnv } from '../subgraphs/common/auth/trust-config';

runService('gateway', async () =>
  startGateway({
    port: Number(process.env.PORT ?? 4000),
    host: process.env.HOST,
    subgraphUrls: { national: requiredEnv('NATIONAL_URL') },
    provinceUrls: Object.fromEntries(
      Object.entries(parseProvinceUrls(process.env.PROVINCE_URLS)).map(([code, base]) => [code, `${base}/graphql`]),
    ),
    healthCheckIntervalMs: Number(process.env.HEALTH_CHECK_INTERVAL_MS ?? 10_000),
    trust: await trustFromEnv(),
    rateLimit: rateLimitFromEnv(),
    trustedDocumentsFile: process.env.TRUSTED_DOCUMENTS_FILE || undefined,
    cors: corsPolicyFrom(process.env.CORS_ORIGINS),
    walletEvents: process.env.NATIONAL_DATABASE_URL
      ? { databaseUrl: process.env.NATIONAL_DATABASE_URL, pollMs: Number(process.env.WALLET_EVENT_POLL_MS ?? 50) }
      : undefined,
    clusterReady: process.env.HEALTH_WAITS_FOR_LAUNCHER === '1' ? launcherSaysReady() : undefined,
  }),
);
