import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, buildConnector, type Dispatcher, setGlobalDispatcher } from 'undici';

/** What a service serves HTTPS with: its certificate chain and private key (PEM). */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
}

/** The transit settings as the config modules read them (subgraphs/common/platform/config/shared.ts). */
export interface TransitSettings {
  TLS_CERT_FILE?: string;
  TLS_KEY_FILE?: string;
  TLS_CA_FILE?: string;
}

/** The certificate and key this service serves HTTPS with; none: plain HTTP. */
export const serverTlsFrom = (settings: TransitSettings): ServerTls | undefined =>
  settings.TLS_CERT_FILE && settings.TLS_KEY_FILE
    ? { cert: readFileSync(settings.TLS_CERT_FILE), key: readFileSync(settings.TLS_KEY_FILE) }
    : undefined;

let trusted: string[] | undefined;

/**
 * Internal clients (the gateway's fetches, national's calls to provinces, JWKS, health checks) trust
 * the CA of TLS_CA_FILE besides the public roots. Called once by each service's main, before any
 * internal client is made; fetch() goes through undici's global dispatcher, which gets it too.
 */
export function trustInternalCa(settings: TransitSettings): void {
  if (!settings.TLS_CA_FILE) return;
  trusted = [...rootCertificates, readFileSync(settings.TLS_CA_FILE, 'utf8')];
  setGlobalDispatcher(new Agent({ connect: { ca: trusted } }));
}

/** The `connect` options of an internal client's undici Agent: the trusted CAs, if TLS_CA_FILE is set. */
export const internalConnect = (): { ca?: string[] } => (trusted ? { ca: trusted } : {});

/** Errors of a connection that was never made (refused, timed out, or a TLS handshake that failed). */
const notConnected = new WeakSet<Error>();

/** Whether `error` (or an error it wraps) came from making the connection: a request on it was never sent. */
export function failedToConnect(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) if (notConnected.has(e)) return true;
  return false;
}

/**
 * undici's connector with the trusted CAs, marking every error it reports: it reports only before a
 * socket is handed over (a TLS socket after `secureConnect`), so nothing was written on it.
 */
function markingConnector(): buildConnector.connector {
  const connect = buildConnector(internalConnect());
  return (options, callback) =>
    connect(options, (...result) => {
      if (result[0]) notConnected.add(result[0]);
      callback(...result);
    });
}

/** An undici Agent made at its first use, so that it sees the CA trusted at start. */
export function lazyAgent(options: Omit<Agent.Options, 'connect'>): () => Dispatcher {
  let agent: Agent | undefined;
  return () => {
    agent ??= new Agent({ ...options, connect: markingConnector() });
    return agent;
  };
}

/** The internal URLs of a service that are plain http: (refused in production unless PLAIN_INTERNAL_HTTP=1). */
export function plainHttpUrls(urls: Record<string, unknown>): string[] {
  const plain: string[] = [];
  for (const [name, value] of Object.entries(urls)) {
    const list = typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value) : [];
    for (const url of list) if (typeof url === 'string' && url.startsWith('http:')) plain.push(`${name} (${url})`);
  }
  return plain;
}
