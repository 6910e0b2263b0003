import { corsPolicyFrom } from '../subgraphs/common/platform/http/cors';
import {
  breakerSettings,
  oneSourceEach,
  provinceUrls,
  sharedSettings,
} from '../subgraphs/common/platform/config/shared';
import {
  decimal,
  flag,
  parsedBy,
  readSettings,
  text,
  url,
  wholeNumber,
} from '../subgraphs/common/platform/config/settings';
import { configurationOnce } from '../subgraphs/common/platform/service-main';

/** The gateway's variables (with the shared ones): the one place the gateway reads its environment. */
export const gatewaySettings = {
  ...sharedSettings,
  ...breakerSettings,
  PORT: wholeNumber({ min: 0, max: 65535 }).default(4000).describe('The port of the graph (GraphQL at /graphql).'),
  NATIONAL_URL: url().describe("The national subgraph's GraphQL endpoint."),
  PROVINCE_URLS: provinceUrls()
    .optional()
    .describe('The provincial deployments: `32=http://host:port,13=…` (each serves /graphql).'),
  HEALTH_CHECK_INTERVAL_MS: wholeNumber({ min: 1 })
    .default(10_000)
    .describe('How often the gateway checks that each province answers (ms).'),
  TRUSTED_DOCUMENTS_FILE: text('a file path')
    .optional()
    .describe('A manifest of trusted documents: only its operations run (unset: any operation).'),
  CORS_ORIGINS: parsedBy('origins, comma-separated', corsPolicyFrom)
    .optional()
    .describe('Origins whose browsers may call the graph (`https://portal.example.cn,…`; unset: none).'),
  NATIONAL_DATABASE_URL: url({ secret: true })
    .optional()
    .describe("National's database, read for the `walletEvents` subscription at /graphql/stream (unset: not served)."),
  WALLET_EVENT_POLL_MS: wholeNumber({ min: 1 })
    .default(50)
    .describe('How often the subscription reads new wallet events (ms).'),
  HEALTH_WAITS_FOR_LAUNCHER: flag()
    .default(false)
    .describe('`1`: GET /health says "starting" until the launcher says the cluster is ready (npm start).'),
  RATE_LIMIT_PER_SECOND: parsedBy('a number > 0, or off', rateOrOff)
    .optional()
    .describe('Requests a second per caller; `off` for none (default: 20 in production, none otherwise).'),
  RATE_LIMIT_BURST: decimal({ atLeast: 1 })
    .optional()
    .describe('Requests a caller may send at once (default: twice the rate).'),
};

function rateOrOff(text: string): number | 'off' {
  if (text === 'off') return 'off';
  if (!/^\d*\.?\d+$/.test(text.trim()) || !(Number(text) > 0))
    throw new Error('must be a number greater than 0, or off');
  return Number(text);
}

export const readGatewaySettings = (env: Record<string, string | undefined> = process.env) =>
  readSettings('gateway', gatewaySettings, env, oneSourceEach);

export type GatewaySettings = ReturnType<typeof readGatewaySettings>;

/** The gateway's configuration, read once at start. */
export const gatewayConfig = configurationOnce(() => readGatewaySettings());
