import type { ServerTls } from '../subgraphs/common/platform/http/transit-tls';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatError } from '../subgraphs/common/platform/graphql/apollo';
import { callerOfRequest, requireCallerPlugin } from '../subgraphs/common/platform/auth/authenticate';
import type { ServiceTrust } from '../subgraphs/common/platform/auth/trust-config';
import { refuseNulPlugin } from '../subgraphs/common/platform/graphql/refuse-nul';
import { serveHttp, type RunningHttpService } from '../subgraphs/common/platform/http/http-server';
import { healthRoutes, keysLoaded } from '../subgraphs/common/platform/http/health';
import { nationalAnswers } from './national-liveness';
import type { CorsPolicy } from '../subgraphs/common/platform/http/cors';
import { dashboardFiles, ideFiles } from './static-pages';
import { DeploymentHealth } from './deployment-health';
import type { BreakerSettings } from '../subgraphs/common/platform/http/circuit-breaker';
import { deadlines } from '../subgraphs/common/platform/http/deadlines';
import { watchDeploymentHealth } from './gateway-metrics';
import { log } from '../subgraphs/common/platform/log';
import { requestObservationPlugin } from '../subgraphs/common/platform/observability/requests';
import { traceToPassOn } from '../subgraphs/common/platform/observability/trace-context';
import { checkMoneyAtTheGateway } from './money-input';
import { ProvinceRouter } from './province-router';
import { MAX_TOKENS, queryLimitsPlugin, routedFieldsOf } from './query-limits';
import { type RateLimitConfig, RateLimiter } from './rate-limit';
import { TrustedDocuments } from './trusted-documents';
import { nationalOutageStatusPlugin } from './unanswered-fetch';
import { RefusalCode } from '../subgraphs/common/domain/errors';
import { type GatewayContext, SubgraphSource } from './subgraph-source';
import { PROVINCE_SDL_FILE, SCHEMA_DIR, SUPERGRAPH_FILE } from './schema-files';
import { subscriptionsElsewherePlugin } from './wallet-events/stream-route';
import { serveWalletEvents, type WalletEventsConfig } from './wallet-events/wallet-events';

export interface GatewayConfig {
  /** The circuit breaker per province (default DEFAULT_BREAKER). */
  breaker?: BreakerSettings;
  port: number;
  host?: string;
  /** HTTPS with this certificate and key; absent: plain HTTP. */
  tls?: ServerTls;
  /** NODE_ENV=production: no introspection, no IDE by default. */
  production?: boolean;
  /** URL of every subgraph but `province`, by subgraph name. */
  subgraphUrls: Record<string, string>;
  /** URL of each provincial deployment of the `province` subgraph, by province code. */
  provinceUrls: Record<string, string>;
  schemaDir?: string;
  healthCheckIntervalMs?: number;
  /** The identity provider's public keys, and the gateway's own service key (for the provinces' SDL). */
  trust: ServiceTrust;
  /** Requests per caller; absent: no limit. */
  rateLimit?: RateLimitConfig;
  /** Trusted documents: only the operations of this manifest run; absent: any operation. */
  trustedDocumentsFile?: string;
  /** Origins whose browsers may call the graph (CORS_ORIGINS); absent or empty: none. */
  cors?: CorsPolicy;
  /** The GraphQL IDE at GET /graphql; default: outside production only. */
  ide?: boolean;
  /** The `walletEvents` subscription at /graphql/stream, read from national's database; absent: not served. */
  walletEvents?: WalletEventsConfig;
  /** Until this resolves, GET /health answers 503 "starting" (npm start: until the demo is loaded). Absent: ready once it listens. */
  clusterReady?: Promise<void>;
}

/**
 * Apollo's CSRF prevention refuses requests a browser could send without a preflight. Every
 * operation here carries a bearer token in the Authorization header, which no such request can
 * carry, so that header is enough: a GET query needs no extra header (`apollo-require-preflight`
 * and `x-apollo-operation-name` still work).
 */
export const CSRF_PREVENTION = {
  requestHeaders: ['authorization', 'apollo-require-preflight', 'x-apollo-operation-name'],
};

export const ROUTED_SUBGRAPH = 'province';

/**
 * The gateway: plain @apollo/gateway on the checked-in supergraph (so it starts, and serves the
 * other provinces, while one province is down), with the province router as the data source of
 * the `province` subgraph. Every other subgraph is fetched as @apollo/gateway always does.
 */
export async function startGateway(config: GatewayConfig): Promise<RunningHttpService & { health: DeploymentHealth }> {
  const schemaDir = config.schemaDir ?? SCHEMA_DIR;
  const supergraphSdl = readFileSync(join(schemaDir, SUPERGRAPH_FILE), 'utf8');
  const credential = config.trust.credential;
  if (!credential)
    throw new Error('the gateway needs its own service key (SERVICE_KEY or SERVICE_KEY_FILE) to check the provinces');
  const health = new DeploymentHealth(
    config.provinceUrls,
    credential,
    readFileSync(join(schemaDir, PROVINCE_SDL_FILE), 'utf8'),
    (s) =>
      log.info(
        { province: s.province, state: s.state, detail: s.detail },
        `province ${s.province} deployment is ${s.state}`,
      ),
  );
  watchDeploymentHealth(health);
  await health.start(config.healthCheckIntervalMs ?? 10_000);
  const limits = deadlines();
  const router = new ProvinceRouter(config.provinceUrls, health, limits.provinceCallMs, config.breaker);
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      if (name === ROUTED_SUBGRAPH) return router;
      const configured = config.subgraphUrls[name];
      if (!configured && !url) throw new Error(`no URL for subgraph ${name}`);
      return new SubgraphSource(configured ?? (url as string), { subgraph: name }, limits.nationalCallMs, {
        code: RefusalCode.NATIONAL_UNAVAILABLE,
        message: 'The national service is not answering; nothing was done. Try again shortly.',
      });
    },
  });
  const routed = routedFieldsOf(supergraphSdl, ROUTED_SUBGRAPH.toUpperCase());
  let supergraphLoaded = false;
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    checkMoneyAtTheGateway(apiSchema);
    supergraphLoaded = true;
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: !config.production,
    parseOptions: { maxTokens: MAX_TOKENS }, // the parser stops there: a huge document costs no more than this
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(), // the IDE is ours (ide/), served by serveHttp
      requestObservationPlugin<GatewayContext>(),
      requireCallerPlugin<GatewayContext>(),
      refuseNulPlugin<GatewayContext>(),
      subscriptionsElsewherePlugin<GatewayContext>(),
      queryLimitsPlugin<GatewayContext>(routed),
      nationalOutageStatusPlugin<GatewayContext>(),
    ],
    csrfPrevention: CSRF_PREVENTION,
    stopOnTerminationSignals: false, // runService() stops the whole service on a signal
  });
  const walletEvents = config.walletEvents && serveWalletEvents(config.walletEvents, apollo, gateway, routed);
  if (!walletEvents) log.info('wallet events: off (set NATIONAL_DATABASE_URL to serve the walletEvents subscription)');
  await apollo.start();
  const ide = (config.ide ?? !config.production) ? ideFiles() : undefined;
  const limiter = config.rateLimit && new RateLimiter(config.rateLimit);
  let clusterReady = !config.clusterReady;
  void config.clusterReady?.then(() => (clusterReady = true));
  const trusted = config.trustedDocumentsFile ? TrustedDocuments.fromFile(config.trustedDocumentsFile) : undefined;
  if (trusted) log.info(`trusted documents: ${trusted.size} operations`);
  else if (config.production)
    log.info('trusted documents: off (set TRUSTED_DOCUMENTS_FILE to run registered operations only)');
  const service = await serveHttp({
    apollo,
    host: config.host,
    tls: config.tls,
    port: config.port,
    files: new Map([...dashboardFiles(), ...(ide?.files ?? [])]),
    landingPage: ide?.index,
    cors: config.cors,
    stream: walletEvents?.route,
    context: async (request) => ({
      authorization: request.headers.authorization,
      trace: traceToPassOn(request),
      caller: await callerOfRequest({ policy: config.trust.policy }, request.headers.authorization),
    }),
    admit: (context, arriving) => {
      if (limiter && context.caller) limiter.take(context.caller);
      return trusted ? trusted.admit(arriving) : arriving;
    },
    routes: {
      'GET /health': async () => {
        const provinces = health.all();
        if (!clusterReady) return { status: 503, body: { status: 'starting', provinces } };
        const ok = provinces.every((p) => p.state === 'healthy');
        return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'degraded', provinces } };
      },
      // Ready without every province: one province down is answered per path (PROVINCE_UNAVAILABLE), not by taking the gateway out.
      ...healthRoutes({
        supergraph: async () => {
          if (!supergraphLoaded) throw new Error('the supergraph is not loaded');
        },
        national: nationalAnswers(config.subgraphUrls.national),
        keys: keysLoaded(config.trust, true),
      }),
    },
  });
  return {
    ...service,
    health,
    async close() {
      health.stop();
      // The feed first: it stops reading national's database before anything else of the stop can fail it.
      await walletEvents?.close();
      await service.close();
    },
  };
}
