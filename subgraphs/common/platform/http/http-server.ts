import { deadlines } from './deadlines';
import { ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { ServerTls } from './transit-tls';
import type { AddressInfo } from 'node:net';
import { type CorsPolicy, corsHeaders, preflight } from './cors';
import { INTERNAL_PREFIX } from './internal-rpc';
import { errorText, log } from '../log';
import { METRICS_PATH, metricsEnabled, metricsText } from '../observability/metrics';
import { noteCode, observeContext, observeRequest } from '../observability/requests';
import { inRequestTrace } from '../observability/trace-context';
import type { CallerContext } from '../auth/authenticate';
import { READY_PATH, STOPPING } from './health';
import { isDatabaseShutdown } from '../data/database-shutdown';

/**
 * On shutdown, how long requests in flight may take to finish before their connections are cut.
 * Keep it below the orchestrator's grace period (Kubernetes: terminationGracePeriodSeconds, less
 * any preStop delay), or the process is killed mid-drain.
 */

/** Requests larger than this are refused before they are parsed. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface JsonReply {
  status: number;
  body: unknown;
}

/** A plain JSON route beside GraphQL: `GET /health`, or an internal operation between services. */
export type JsonRoute = (body: unknown, request: IncomingMessage) => Promise<JsonReply>;

/** A GraphQL request as it arrived, before Apollo sees it: what admission may look at and rewrite. */
export interface ArrivingRequest {
  method: string;
  body: unknown;
  search: string;
}

/** A refusal made before the operation is parsed: HTTP status, code, message, extra headers. */
export class RefusedBeforeParsing extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A file served as it is to GET and HEAD (a page and its assets), gzipped for clients that take it. */
export interface StaticFile {
  body: Buffer;
  gzipped: Buffer;
  etag: string;
  headers: Record<string, string>;
}

/** A route that answers with a stream of its own (the gateway's subscriptions), authenticated and admitted as GraphQL is. */
export interface StreamRoute<Context extends BaseContext> {
  path: string;
  handle(
    context: Context,
    arriving: ArrivingRequest,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void>;
}

export interface HttpServiceOptions<Context extends BaseContext> {
  apollo: ApolloServer<Context>;
  /** The request's context; it authenticates the caller first and throws (401) before anything is parsed. */
  context: (request: IncomingMessage) => Promise<Context>;
  /** Runs after authentication, before parsing (the gateway's rate limit and trusted documents); may rewrite the request. */
  admit?: (context: Context, request: ArrivingRequest) => ArrivingRequest;
  routes?: Record<string, JsonRoute>; // keyed "METHOD /path"
  files?: ReadonlyMap<string, StaticFile>; // keyed by path
  /** What a browser gets for GET /graphql without an operation (the IDE); absent: that GET needs a token like any other. */
  landingPage?: StaticFile;
  /** Origins whose browsers may call /graphql (preflights answered before authentication); absent: no CORS at all. */
  cors?: CorsPolicy;
  stream?: StreamRoute<Context>;
  port: number;
  host?: string;
  /** HTTPS with this certificate and key (TLS_CERT_FILE, TLS_KEY_FILE); absent: plain HTTP. */
  tls?: ServerTls;
}

export interface RunningHttpService {
  url: string;
  port: number;
  /** Stops accepting, lets the requests in flight finish (DRAIN_TIMEOUT_MS at most), then stops. */
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, reply: JsonReply, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(reply.body);
  response.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(text);
}

function sendRefusal(request: IncomingMessage, response: ServerResponse, refusal: RefusedBeforeParsing): void {
  noteCode(request, refusal.code);
  sendJson(
    response,
    { status: refusal.status, body: { errors: [{ message: refusal.message, extensions: { code: refusal.code } }] } },
    refusal.headers,
  );
}

/** A refusal thrown while authenticating (a GraphQLError with an HTTP status) as one made before parsing. */
function beforeParsing(error: unknown): RefusedBeforeParsing {
  if (error instanceof RefusedBeforeParsing) return error;
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string') {
    const status = (error.extensions.http as { status?: number } | undefined)?.status ?? 401;
    return new RefusedBeforeParsing(status, error.extensions.code, error.message);
  }
  throw error;
}

/** A browser asking for the landing page (no operation in it) gets it without a token, if there is one; every operation needs one. */
const asksForLandingPage = (request: IncomingMessage, url: URL) =>
  request.method === 'GET' && !url.search && (request.headers.accept ?? '').includes('text/html');

async function sendMetrics(response: ServerResponse): Promise<void> {
  const { contentType, body } = await metricsText();
  response.writeHead(200, { 'content-type': contentType });
  response.end(body);
}

function sendFile(request: IncomingMessage, response: ServerResponse, file: StaticFile): void {
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  const body = gzip ? file.gzipped : file.body;
  const headers = {
    ...file.headers,
    etag: file.etag,
    vary: 'accept-encoding',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  };
  if (request.headers['if-none-match'] === file.etag) {
    response.writeHead(304, headers);
    return void response.end();
  }
  response.writeHead(200, { ...headers, 'content-length': String(body.length) });
  response.end(request.method === 'HEAD' ? undefined : body);
}

async function handle<Context extends BaseContext>(
  options: HttpServiceOptions<Context>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (options.cors && url.pathname === '/graphql') {
    if (request.method === 'OPTIONS') {
      const answer = preflight(options.cors, request);
      response.writeHead(answer.status, answer.headers);
      return void response.end();
    }
    for (const [name, value] of Object.entries(corsHeaders(options.cors, request))) response.setHeader(name, value);
  }
  if (url.pathname === METRICS_PATH && request.method === 'GET' && metricsEnabled()) return sendMetrics(response);
  const file = request.method === 'GET' || request.method === 'HEAD' ? options.files?.get(url.pathname) : undefined;
  if (file) return sendFile(request, response, file);
  if (url.pathname === '/graphql' && options.landingPage && asksForLandingPage(request, url))
    return sendFile(request, response, options.landingPage);
  const route = options.routes?.[`${request.method} ${url.pathname}`];
  const text = await readBody(request);
  if (route) {
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return sendJson(response, { status: 400, body: { error: 'body is not JSON' } });
    }
    const reply = await route(body, request);
    noteCode(request, (reply.body as { refusal?: { code?: string } } | undefined)?.refusal?.code);
    return sendJson(response, reply);
  }
  const stream = options.stream?.path === url.pathname ? options.stream : undefined;
  if (url.pathname !== '/graphql' && !stream) {
    return sendJson(response, { status: 404, body: { error: 'not found' } });
  }
  let contextValue: Context;
  try {
    contextValue = await options.context(request);
    observeContext(request, contextValue, (contextValue as CallerContext).caller);
  } catch (error) {
    return sendRefusal(request, response, beforeParsing(error));
  }
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  let body: unknown = text;
  if (headers.get('content-type')?.startsWith('application/json') && text) {
    try {
      body = JSON.parse(text);
    } catch {
      return sendJson(response, {
        status: 400,
        body: { errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] },
      });
    }
  }
  let arriving: ArrivingRequest = { method: request.method ?? 'GET', body, search: url.search };
  if (options.admit) {
    try {
      arriving = options.admit(contextValue, arriving);
    } catch (error) {
      return sendRefusal(request, response, beforeParsing(error));
    }
  }
  if (stream) return stream.handle(contextValue, arriving, request, response);
  const result = await options.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: arriving.method, headers, search: arriving.search, body: arriving.body },
    context: () => Promise.resolve(contextValue),
  });
  for (const [name, value] of result.headers) response.setHeader(name, value);
  response.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    response.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) response.write(chunk);
  response.end();
}

/** Serves an Apollo Server and a few JSON routes on one port, over kept-alive HTTP/1.1. */
export async function serveHttp<Context extends BaseContext>(
  options: HttpServiceOptions<Context>,
): Promise<RunningHttpService> {
  let closing = false;
  const listener = (request: IncomingMessage, response: ServerResponse) =>
    inRequestTrace(request, () => serve(request, response));
  const serve = (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0];
    if (closing) response.shouldKeepAlive = false; // a kept-alive connection ends with this answer
    if (closing && path === READY_PATH) return sendJson(response, STOPPING);
    if (path === '/graphql') observeRequest(request, response, 'graphql');
    else if (path.startsWith(INTERNAL_PREFIX))
      observeRequest(request, response, 'internal', path.slice(INTERNAL_PREFIX.length));
    handle(options, request, response).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      if (error instanceof BodyTooLarge) {
        noteCode(request, 'BODY_TOO_LARGE');
        return sendJson(response, {
          status: 413,
          body: { errors: [{ message: 'The request body is too large.', extensions: { code: 'BODY_TOO_LARGE' } }] },
        });
      }
      noteCode(request, 'INTERNAL_SERVER_ERROR');
      // A request cut by its database stopping (Ctrl-C reaches PostgreSQL too) is a stop, not a failure.
      if (isDatabaseShutdown(error))
        log.warn({ path, error: errorText(error) }, 'request failed: the database is stopping');
      else log.error({ path, error: errorText(error) }, 'request failed');
      sendJson(response, { status: 500, body: { errors: [{ message: 'Internal server error.' }] } });
    });
  };
  const server: Server | HttpsServer = options.tls ? createHttpsServer(options.tls, listener) : createServer(listener);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}/graphql`,
    port,
    async close() {
      closing = true;
      const drained = new Promise<void>((resolve) => server.close(() => resolve())); // no new connection from now on
      // Idle kept-alive connections go now; a busy one goes once its answer is sent (or at the deadline).
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      const deadline = setTimeout(() => {
        log.warn(`requests still in flight after ${deadlines().drainMs} ms of draining: their connections are cut`);
        server.closeAllConnections();
      }, deadlines().drainMs);
      server.closeIdleConnections();
      await drained;
      clearInterval(sweep);
      clearTimeout(deadline);
      await options.apollo.stop();
    },
  };
}
