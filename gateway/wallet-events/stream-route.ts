import type { ApolloServer, ApolloServerPlugin, BaseContext } from '@apollo/server';
import { type FormattedExecutionResult, GraphQLError, type GraphQLSchema, parse } from 'graphql';
import { createHandler, type Handler, type OperationResult, type RequestParams } from 'graphql-sse';
import { decodeJwt } from 'jose';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mayActFor } from '../../subgraphs/common/platform/auth/access';
import { bearerToken } from '../../subgraphs/common/platform/auth/tokens';
import { Refusal, RefusalCode } from '../../subgraphs/common/domain/errors';
import type { ArrivingRequest, StreamRoute } from '../../subgraphs/common/platform/http/http-server';
import { refuseNul } from '../../subgraphs/common/platform/graphql/refuse-nul';
import { requirePosition } from '../../subgraphs/common/domain/wallet-event-id';
import { checkOperationLimits, MAX_TOKENS } from '../query-limits';
import type { GatewayContext } from '../subgraph-source';
import type { EventFeed, FeedEvent } from './event-feed';
import { type EventSubscription, eventSubscriptionOf } from './event-query';
import { EventStream } from './event-stream';

/**
 * The `walletEvents` subscription over GraphQL over server-sent events (the `graphql-sse`
 * protocol, "distinct connections" mode: one POST or GET per subscription, answered with an
 * event stream). The caller is authenticated, rate-limited and admitted (trusted documents) by the
 * HTTP server before anything here runs, exactly as for /graphql. At subscribe time the document
 * is validated, checked against the query limits, and the caller must be allowed to act for the
 * member (the member, or staff of the member's province); anything else is refused then, in the
 * stream, and the stream ends. Each event is then answered by running the subscriber's selection
 * as a query through the gateway's own execution (event-query.ts), with their credentials.
 */
export const STREAM_PATH = '/graphql/stream';

export interface WalletEventsOptions {
  apollo: ApolloServer<GatewayContext>;
  feed: EventFeed;
  /** The graph's API schema (loaded at start). */
  schema: () => GraphQLSchema | undefined;
  /** The fields a provincial deployment answers, for the cost limit. */
  routed: ReadonlySet<string>;
  /** Events answered at once across every subscription of this gateway. */
  concurrency?: number;
}

export interface WalletEventsRoute extends StreamRoute<GatewayContext> {
  /** Subscriptions open now. */
  readonly open: number;
  /** Ends every subscription (the gateway stopping). */
  close(): void;
}

/**
 * A refusal, told in the stream as its only answer (graphql-sse answers a bare `{ errors }` from
 * onSubscribe with a 400 and no reason, and a result with `data: null` would say it ran).
 */
type Refused = AsyncGenerator<{ errors: readonly GraphQLError[] }>;
async function* refusedWith(errors: readonly GraphQLError[]): Refused {
  yield { errors };
}
const refused = (error: GraphQLError): Refused => refusedWith([error]);

export function walletEventsRoute(options: WalletEventsOptions): WalletEventsRoute {
  const streams = new Set<EventStream>();
  const limit = concurrencyLimit(options.concurrency ?? 64);

  const runEvent = async (context: GatewayContext, subscription: EventSubscription, event: FeedEvent) => {
    const response = await options.apollo.executeOperation(
      {
        query: subscription.queryText,
        operationName: subscription.operationName,
        variables: { ...subscription.variables, [subscription.eventVariable]: event.id },
      },
      { contextValue: context },
    );
    if (response.body.kind !== 'single') throw new Error('an event query answered incrementally');
    const { data, errors } = response.body.singleResult;
    // An event the subscriber may not see (any more) answers null: there is nothing to tell.
    if (!errors && (data?.[subscription.responseKey] ?? null) === null) return undefined;
    return { data, errors } as FormattedExecutionResult;
  };

  const subscribe = (context: GatewayContext, params: RequestParams): Refused | EventStream => {
    const schema = options.schema();
    if (!schema)
      return refused(
        new GraphQLError('The gateway is still starting; subscribe again in a moment.', {
          extensions: { code: 'NOT_READY' },
        }),
      );
    let found: ReturnType<typeof eventSubscriptionOf>;
    try {
      refuseNul(params.query, params.variables);
      found = eventSubscriptionOf(
        schema,
        parse(params.query, { maxTokens: MAX_TOKENS }),
        params.operationName,
        params.variables ?? {},
      );
    } catch (error) {
      const message = (error as Error).message;
      return refused(
        error instanceof GraphQLError && error.extensions.code
          ? error
          : new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
      );
    }
    if ('errors' in found) return refusedWith(found.errors);
    const subscription = found.subscription;
    if (!mayActFor(context.caller, subscription.memberId)) {
      return refused(
        new Refusal(
          RefusalCode.FORBIDDEN,
          'You may not follow the wallet events of this member: they belong to another member or another province.',
        ),
      );
    }
    let after: ReturnType<typeof requirePosition> | undefined;
    try {
      checkOperationLimits(schema, subscription.query, subscription.operation, subscription.variables, options.routed);
      after = subscription.after === undefined ? undefined : requirePosition(subscription.after);
    } catch (error) {
      return refused(error as GraphQLError);
    }
    const stream = new EventStream(
      options.feed,
      subscription.memberId,
      after,
      (event) => limit(() => runEvent(context, subscription, event)),
      expiryOf(context),
    );
    streams.add(stream);
    stream.onClose(() => streams.delete(stream));
    return stream;
  };

  // Distinct connections only (`authenticate` gives no stream token): a stream is never shared between requests, or callers.
  const handler = createHandler<IncomingMessage, GatewayContext>({
    authenticate: () => null,
    // graphql-sse writes each result as JSON; formatted errors are what it would print for GraphQLErrors.
    onSubscribe: (request, params) => subscribe(request.context, params) as OperationResult,
  });

  return {
    path: STREAM_PATH,
    get open() {
      return streams.size;
    },
    handle: (context, arriving, request, response) => serveStream(handler, context, arriving, request, response),
    close() {
      for (const stream of streams) stream.end();
    },
  };
}

/** When the subscriber's (verified) token expires: the stream ends then. */
function expiryOf(context: GatewayContext): number | undefined {
  const token = bearerToken(context.authorization);
  const exp = token ? decodeJwt(token).exp : undefined;
  return exp === undefined ? undefined : exp * 1000;
}

/** Hands an admitted request to graphql-sse and writes its answer, waiting for a slow client rather than buffering. */
async function serveStream(
  handler: Handler<IncomingMessage, GatewayContext>,
  context: GatewayContext,
  arriving: ArrivingRequest,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const header = (key: string) => {
    const value = request.headers[key];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const body = arriving.body as string | Record<PropertyKey, unknown> | null;
  const [stream, init] = await handler({
    method: arriving.method,
    url: `${STREAM_PATH}${arriving.search}`,
    headers: { get: header },
    body,
    raw: request,
    context,
  });
  response.writeHead(init.status, init.statusText, init.headers);
  if (stream === null || typeof stream === 'string') return void response.end(stream ?? undefined);
  const stop = () => void stream.return(undefined);
  response.once('close', stop);
  try {
    for await (const chunk of stream) {
      if (response.destroyed) break;
      if (!response.write(chunk)) await drained(response);
    }
  } finally {
    response.off('close', stop);
    response.end();
  }
}

const drained = (response: ServerResponse) =>
  new Promise<void>((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });

/** At most `max` pieces of work at once; the rest wait their turn, in order. */
export function concurrencyLimit(max: number): <T>(work: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (work) => {
    if (active < max) active += 1;
    else await new Promise<void>((resolve) => queue.push(resolve)); // a finishing piece hands its place over
    try {
      return await work();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

/** Subscriptions sent to /graphql are told where they are served. */
export function subscriptionsElsewherePlugin<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError(
              `Subscriptions are served at ${STREAM_PATH} (GraphQL over server-sent events, the graphql-sse protocol).`,
              {
                extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
              },
            );
          }
        },
      };
    },
  };
}
