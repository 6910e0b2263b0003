import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { SpanContext } from '@opentelemetry/api';
import { request } from 'undici';
import { traceParentOfCall } from '../subgraphs/common/platform/observability/trace-context';
import { lazyAgent } from '../subgraphs/common/platform/http/transit-tls';
import type { CallerContext } from '../subgraphs/common/platform/auth/authenticate';
import { type FetchTarget, timeFetch } from './gateway-metrics';
import { retryRead } from '../subgraphs/common/platform/http/read-retry';
import { operationOf } from './route-fetch';
import { type Unanswered, unansweredFetch } from './unanswered-fetch';

/** Sent by the gateway to say which caller a subgraph request is made for. */
export interface GatewayContext extends CallerContext {
  authorization?: string;
  /** The request's trace, passed on in each fetch's `traceparent` when the async context does not carry it (trace-context.ts). */
  trace?: SpanContext;
}

/** No usable answer: the subgraph is down, failed, is not one, or did not answer within its deadline. */
export class SubgraphUnreachable extends Error {
  constructor(
    message: string,
    readonly mayHaveArrived: boolean,
    readonly timedOut = false,
  ) {
    super(message);
  }
}

/** Connection errors that mean the request never reached the subgraph. */
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/** A response larger than this is a broken subgraph, not an answer. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Kept-alive connections to every subgraph deployment, as many as there are concurrent fetches.
 * No undici headers or body timeout: each fetch's deadline is its abort signal, and undici's own
 * timers, armed and refreshed on every fetch, cost the gateway more CPU than the deadline itself.
 */
const connections = lazyAgent({
  keepAliveTimeout: 30_000,
  maxResponseSize: MAX_RESPONSE_BYTES,
  headersTimeout: 0,
  bodyTimeout: 0,
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The HTTP client for one subgraph deployment: the operation as JSON over a kept-alive undici
 * connection, with the caller's credential passed on. When a subgraph refuses a request with HTTP
 * 4xx (e.g. a Money variable that does not parse), the subgraph's own error and code reach the
 * caller instead of a bare "400: Bad Request". No usable answer at all is SubgraphUnreachable, which
 * `process` turns into the `unavailable` answer (see unanswered-fetch.ts) when one is given.
 * Every fetch has a deadline (`timeoutMs`, see deadlines.ts): a silent deployment never holds a
 * request longer; a query (never a mutation) is tried again after a refused or reset connection.
 *
 * It replaces RemoteGraphQLDataSource, whose fetch-API objects (Request, Headers, a Response
 * wrapper) and tracing spans per fetch cost more of the gateway's CPU than the fetch itself;
 * nothing here uses what they offer (persisted queries, cache-control hints from subgraphs).
 */
export class SubgraphSource implements GraphQLDataSource<GatewayContext & Record<string, unknown>> {
  constructor(
    readonly url: string,
    private readonly target: FetchTarget,
    private readonly timeoutMs: number,
    private readonly unavailable?: Omit<Unanswered, 'mayHaveArrived'>,
  ) {}

  async process(
    options: GraphQLDataSourceProcessOptions<GatewayContext & Record<string, unknown>>,
  ): Promise<GatewayGraphQLResponse> {
    try {
      return await this.send(options);
    } catch (error) {
      if (!(error instanceof SubgraphUnreachable) || !this.unavailable) throw error;
      return unansweredFetch(options.request, { ...this.unavailable, mayHaveArrived: error.mayHaveArrived });
    }
  }

  /** Sends the fetch; SubgraphUnreachable when no usable answer came back. */
  async send(
    options: GraphQLDataSourceProcessOptions<GatewayContext & Record<string, unknown>>,
  ): Promise<GatewayGraphQLResponse> {
    const { query, variables, operationName, extensions } = options.request;
    if (!query) throw new Error('Missing query');
    const authorization = options.context?.authorization;
    const trace = options.context?.trace;
    const started = process.hrtime.bigint();
    let status: number;
    let text: string;
    const deadline = Date.now() + this.timeoutMs;
    const signal = AbortSignal.timeout(this.timeoutMs);
    const fetchOnce = async () => {
      const response = await request(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(authorization ? { authorization } : {}),
          ...(trace ? { traceparent: traceParentOfCall(trace) } : {}),
        },
        body: JSON.stringify({ query, variables, operationName, extensions }),
        dispatcher: connections(),
        signal,
      });
      return { status: response.statusCode, text: await response.body.text() };
    };
    try {
      ({ status, text } =
        operationOf(query)?.operation === 'query' ? await retryRead(fetchOnce, deadline) : await fetchOnce());
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      timeFetch(this.target, started, 'unreachable');
      if (signal.aborted)
        throw new SubgraphUnreachable(`no answer from ${this.url} within ${this.timeoutMs} ms`, true, true);
      throw new SubgraphUnreachable(`request to ${this.url} failed: ${(error as Error).message}`, !NOT_SENT.has(code));
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (status >= 200 && status < 300 && isObject(body)) {
      timeFetch(this.target, started, 'answered');
      return body as GatewayGraphQLResponse;
    }
    const first =
      isObject(body) && Array.isArray(body.errors) ? (body.errors[0] as GraphQLFormattedError | undefined) : undefined;
    if (status >= 400 && status < 500 && first) {
      timeFetch(this.target, started, 'refused');
      throw new GraphQLError(first.message, { extensions: { ...first.extensions, httpStatus: status } });
    }
    timeFetch(this.target, started, 'unreachable');
    throw new SubgraphUnreachable(`HTTP ${status} from ${this.url}`, true);
  }
}
