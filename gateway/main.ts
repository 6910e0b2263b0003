import './telemetry'; // first: tracing starts before http and undici load
import { breakerSettingsFrom } from '../subgraphs/common/platform/http/circuit-breaker';
import { deadlinesFrom, useDeadlines } from '../subgraphs/common/platform/http/deadlines';
import { serverTlsFrom, trustInternalCa } from '../subgraphs/common/platform/http/transit-tls';
import { launcherSaysReady, runService } from '../subgraphs/common/platform/service-main';
import { trustFrom } from '../subgraphs/common/platform/auth/trust-config';
import { corsPolicyFrom } from '../subgraphs/common/platform/http/cors';
import { gatewayConfig } from './config';
import { rateLimitFrom } from './rate-limit';
import { startGateway } from './server';

const config = gatewayConfig();
trustInternalCa(config);
const production = config.NODE_ENV === 'production';
useDeadlines(deadlinesFrom(config));
runService('gateway', async () =>
  startGateway({
    port: config.PORT,
    breaker: breakerSettingsFrom(config),
    host: config.HOST,
    tls: serverTlsFrom(config),
    production,
    subgraphUrls: { national: config.NATIONAL_URL },
    provinceUrls: Object.fromEntries(
      Object.entries(config.PROVINCE_URLS ?? {}).map(([code, base]) => [code, `${base}/graphql`]),
    ),
    healthCheckIntervalMs: config.HEALTH_CHECK_INTERVAL_MS,
    trust: await trustFrom(config),
    rateLimit: rateLimitFrom({ production, perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST }),
    trustedDocumentsFile: config.TRUSTED_DOCUMENTS_FILE,
    cors: config.CORS_ORIGINS ?? corsPolicyFrom(undefined),
    walletEvents: config.NATIONAL_DATABASE_URL
      ? { databaseUrl: config.NATIONAL_DATABASE_URL, pollMs: config.WALLET_EVENT_POLL_MS }
      : undefined,
    clusterReady: config.HEALTH_WAITS_FOR_LAUNCHER ? launcherSaysReady() : undefined,
  }),
);
