import type { z } from 'zod';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../auth/tokens';
import { DEFAULT_BREAKER } from '../http/circuit-breaker';
import { CRYPTO_SUITES } from '../crypto/suite';
import { DEADLINE_SETTINGS } from '../http/deadlines';
import { plainHttpUrls } from '../http/transit-tls';
import { flag, oneOf, parsedBy, secret, text, url, wholeNumber } from './settings';

/** How long a call across deployments or a database statement may wait (deadlines.ts). */
export const deadlineSettings = {
  PROVINCE_CALL_TIMEOUT_MS: wholeNumber({ min: 1 })
    .default(DEADLINE_SETTINGS.PROVINCE_CALL_TIMEOUT_MS.default)
    .describe("A call to a province (the gateway's fetches, national's internal operations), in ms."),
  NATIONAL_CALL_TIMEOUT_MS: wholeNumber({ min: 1 })
    .default(DEADLINE_SETTINGS.NATIONAL_CALL_TIMEOUT_MS.default)
    .describe("The gateway's fetch of national, in ms; longer than PROVINCE_CALL_TIMEOUT_MS."),
  DB_STATEMENT_TIMEOUT_MS: wholeNumber({ min: 1 })
    .default(DEADLINE_SETTINGS.DB_STATEMENT_TIMEOUT_MS.default)
    .describe('One database statement (statement_timeout), in ms.'),
  DB_CONNECT_TIMEOUT_MS: wholeNumber({ min: 1 })
    .default(DEADLINE_SETTINGS.DB_CONNECT_TIMEOUT_MS.default)
    .describe('Opening a database connection, in ms.'),
  DB_START_WAIT_MS: wholeNumber({ min: 0 })
    .default(DEADLINE_SETTINGS.DB_START_WAIT_MS.default)
    .describe(
      'At start, how long a service keeps trying to reach its database (a database restarting, a link down) before it exits, in ms.',
    ),
  DRAIN_TIMEOUT_MS: wholeNumber({ min: 1 })
    .default(DEADLINE_SETTINGS.DRAIN_TIMEOUT_MS.default)
    .describe('After SIGTERM, how long requests in flight may still finish, in ms (below the grace period).'),
  READY_CHECK_TIMEOUT_MS: wholeNumber({ min: 1 })
    .default(DEADLINE_SETTINGS.READY_CHECK_TIMEOUT_MS.default)
    .describe('One readiness check of GET /health/ready, in ms.'),
};

/** The circuit breaker per province, in the gateway and in national (circuit-breaker.ts). */
export const breakerSettings = {
  BREAKER_FAILURES: wholeNumber({ min: 1 })
    .default(DEFAULT_BREAKER.failuresToOpen)
    .describe('Calls in a row a province leaves unanswered in time before its breaker opens.'),
  BREAKER_OPEN_MS: wholeNumber({ min: 1 })
    .default(DEFAULT_BREAKER.openMs)
    .describe('How long an open breaker fails calls fast before a probe goes through (ms).'),
};

/** HTTPS between deployments (docs/cryptography.md, "In transit"). */
function transitSettings() {
  return {
    TLS_CERT_FILE: text('a file path')
      .optional()
      .describe('This service serves HTTPS with this certificate (PEM, its chain after it); with TLS_KEY_FILE.'),
    TLS_KEY_FILE: text('a file path')
      .optional()
      .describe('The private key of TLS_CERT_FILE (PEM, mode 0600); with TLS_CERT_FILE.'),
    TLS_CA_FILE: text('a file path')
      .optional()
      .describe(
        "The CA (PEM) this service's internal clients trust besides the public roots: calls to subgraphs, provinces, national, JWKS_URL.",
      ),
    PLAIN_INTERNAL_HTTP: flag()
      .default(false)
      .describe(
        '`1`: in production, internal URLs may still be http: (TLS ended by a mesh sidecar, a private network); otherwise they are refused at start.',
      ),
  };
}

/**
 * The variables every service reads (gateway, national, each province): its mode, its logs and
 * metrics, tracing, and whom it trusts. Each service's `config.ts` adds its own.
 */
export const sharedSettings = {
  NODE_ENV: text('production, or anything else')
    .optional()
    .describe('`production`: no introspection, no GraphQL IDE, no test harness, the rate limit on by default.'),
  HOST: text('a host name or address').optional().describe('The address to listen on (default: all addresses).'),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('The least severe log lines written (JSON lines on stdout).'),
  METRICS: oneOf(['on', 'off'])
    .default('on')
    .describe('Prometheus metrics at GET /metrics; `off` serves none and counts nothing.'),
  CRYPTO_SUITE: oneOf(CRYPTO_SUITES)
    .default('international')
    .describe(
      'The cryptography suite of every key of this deployment (docs/cryptography.md): `international` (Ed25519/ES256, AES-256-GCM, HMAC-SHA256) or `gm` (SM2 with SM3, SM4 + HMAC-SM3); a token or key of the other suite is refused.',
    ),
  JWKS_URL: url()
    .optional()
    .describe(
      "The identity provider's public keys (caller tokens), fetched from this URL. One of JWKS_URL, JWKS_FILE, JWKS is required.",
    ),
  JWKS_FILE: text('a file path').optional().describe("The identity provider's public keys, read from this file."),
  JWKS: secret('a JSON Web Key Set').optional().describe("The identity provider's public keys, inline."),
  JWKS_REFRESH_MS: wholeNumber({ min: 1 })
    .default(60_000)
    .describe("How often the identity provider's keys are read again (ms)."),
  TOKEN_ISSUER: text().default(DEFAULT_ISSUER).describe('The issuer (`iss`) caller tokens must name.'),
  TOKEN_AUDIENCE: text().default(DEFAULT_AUDIENCE).describe('The audience (`aud`) caller tokens must name.'),
  SERVICE_KEY_FILE: text('a file path')
    .optional()
    .describe("This deployment's own private key (a JWK whose kid is its name), read from this file."),
  SERVICE_KEY: secret('a private JWK')
    .optional()
    .describe("This deployment's own private key, inline (or SERVICE_KEY_FILE, not both)."),
  TRUSTED_SERVICE_KEYS_FILE: text('a file path')
    .optional()
    .describe('The public keys (a JWKS) of the deployments it accepts internal calls from, read from this file.'),
  TRUSTED_SERVICE_KEYS: secret('a JSON Web Key Set')
    .optional()
    .describe('The same keys, inline (or TRUSTED_SERVICE_KEYS_FILE, not both).'),
  OTEL_EXPORTER_OTLP_ENDPOINT: url()
    .optional()
    .describe(
      'Tracing: the OTLP/HTTP collector; tracing is off unless this or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set. The OpenTelemetry SDK reads its other standard variables itself.',
    ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url().optional().describe('Tracing: the OTLP/HTTP endpoint for traces only.'),
  OTEL_SDK_DISABLED: oneOf(['true', 'false'])
    .optional()
    .describe('Tracing: `true` turns it off whatever the endpoint.'),
  OTEL_TRACES_EXPORTER: text('exporter names, comma-separated')
    .optional()
    .describe('Tracing: `none` turns it off whatever the endpoint.'),
  OTEL_TRACES_SAMPLER: text('a sampler name')
    .default('parentbased_always_on')
    .describe(
      'Tracing: which requests are traced, decided where a request enters a service (always_on, always_off, traceidratio, or parentbased_ of one of them: the caller decides when it sent a traceparent); a request not traced costs no instrumentation.',
    ),
  OTEL_TRACES_SAMPLER_ARG: text('a ratio from 0 to 1')
    .optional()
    .describe('Tracing: the share of requests traced with a `traceidratio` sampler (default 1).'),
  ...deadlineSettings,
  ...transitSettings(),
};

/** Personal data at rest in national and every province (subgraphs/common/crypto/personal-data-at-rest.ts). */
export const personalDataSettings = {
  PII_KEK_FILE: text('a file path')
    .optional()
    .describe(
      'The key-encryption key that wraps the data keys of personal data at rest: a file of 64 hex digits, mode 0600 (`npm run keys` makes one), or a mounted secret. Required: the service does not start without it.',
    ),
  PII_RESEAL_INTERVAL_MS: wholeNumber({ min: 1 })
    .default(10_000)
    .describe(
      'How often the data keys are read again and values sealed by an older key (or written plain past the service) are sealed with the current one (ms).',
    ),
};

/** The platform clock of national and every province (subgraphs/common/clock.ts). */
export const platformClockSettings = {
  ADJUSTABLE_CLOCK: flag()
    .default(false)
    .describe('Tests only: `1` lets the test harness set the clock (never in production).'),
  CLOCK_OFFSET_MS: wholeNumber()
    .default(0)
    .describe('Tests only: how far from the system clock the adjustable clock starts (ms; negative: behind).'),
};

type Given<T> = { [K in keyof T]?: unknown };

/** Identity keys may come from one place only; the same for the service key and the trusted keys. */
export function oneSourceEach(settings: Given<typeof sharedSettings> & Record<string, unknown>): string | undefined {
  const sets = [
    ['JWKS_URL', 'JWKS_FILE', 'JWKS'],
    ['SERVICE_KEY_FILE', 'SERVICE_KEY'],
    ['TRUSTED_SERVICE_KEYS_FILE', 'TRUSTED_SERVICE_KEYS'],
  ] as const;
  for (const names of sets) {
    const given = names.filter((name) => settings[name] !== undefined);
    if (given.length > 1) return `set only one of ${given.join(', ')}`;
  }
  if (!settings.JWKS_URL && !settings.JWKS_FILE && !settings.JWKS)
    return "the identity provider's public keys are needed: set JWKS_URL, JWKS_FILE or JWKS";
  return transitFault(settings);
}

/** A certificate needs its key; in production, every internal URL is https: unless PLAIN_INTERNAL_HTTP=1. */
function transitFault(settings: Given<typeof sharedSettings> & Record<string, unknown>): string | undefined {
  if (!settings.TLS_CERT_FILE !== !settings.TLS_KEY_FILE) return 'set both TLS_CERT_FILE and TLS_KEY_FILE, or neither';
  if (settings.NODE_ENV !== 'production' || settings.PLAIN_INTERNAL_HTTP) return undefined;
  const { JWKS_URL, NATIONAL_URL, PROVINCE_URLS } = settings;
  const plain = plainHttpUrls({ JWKS_URL, NATIONAL_URL, PROVINCE_URLS });
  if (plain.length)
    return `in production internal URLs must be https: (or set PLAIN_INTERNAL_HTTP=1): ${plain.join(', ')}`;
  return undefined;
}

export type SharedSettings = z.output<z.ZodObject<typeof sharedSettings>>;

/** Parses "32=http://host:port,13=http://host:port" into base URLs by province code. */
export function parseProvinceUrls(text: string | undefined): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const pair of (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [code, url] = pair.split('=');
    if (!/^\d{2}$/.test(code) || !url || !URL.canParse(url))
      throw new Error(`has a bad entry "${pair}" (code=URL, comma-separated)`);
    urls[code] = url.replace(/\/graphql$/, '').replace(/\/$/, '');
  }
  return urls;
}

/** The provincial deployments a service calls: "32=http://host:port,13=…" (gateway and national). */
export const provinceUrls = () => parsedBy('code=URL, comma-separated', parseProvinceUrls);
