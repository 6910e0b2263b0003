import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Caller, provinceOf, Role } from '../auth/caller';
import { log } from '../log';
import { boundedOperationName, countRequest } from './metrics';
import { parseTraceParent, unrecordedTraceOfRequest } from './trace-context';

/**
 * Every GraphQL request and internal operation a service serves, seen once: one JSON log line
 * when its answer has gone (trace id, operation, caller's role and province, status, duration,
 * the codes of its errors), the request metrics, and the operation's name on its trace span.
 * Never the query, its variables, the token or anything personal: the caller is a role and a
 * province (or the peer deployment's name), the errors are codes.
 */
export type RequestKind = 'graphql' | 'internal';

interface ObservedRequest {
  kind: RequestKind;
  operation?: string;
  caller?: { callerRole: string; callerProvince?: string; peer?: string };
  codes: Set<string>;
  started: bigint;
  span?: Span;
  traceId?: string;
}

const byRequest = new WeakMap<IncomingMessage, ObservedRequest>();
/** Kept on the request's context (Apollo runs an operation on a shallow copy of it, which keeps this). */
const OBSERVED = Symbol('observed request');
type ObservedContext = { [OBSERVED]?: ObservedRequest };

/** Starts observing a request; the log line and metrics follow when the response is done. */
export function observeRequest(
  request: IncomingMessage,
  response: ServerResponse,
  kind: RequestKind,
  operationName?: string,
): void {
  const operation = operationName === undefined ? undefined : boundedOperationName(operationName);
  const span = trace.getActiveSpan();
  const spanContext = unrecordedTraceOfRequest(request) ?? span?.spanContext();
  const traced = spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
  // A service without the tracing SDK still logs the trace id a client or proxy sent.
  const sent = parseTraceParent(request.headers.traceparent)?.traceId;
  const observed: ObservedRequest = {
    kind,
    operation,
    codes: new Set(),
    started: process.hrtime.bigint(),
    span,
    traceId: traced ?? sent,
  };
  if (operation) span?.updateName(`${kind} ${operation}`);
  byRequest.set(request, observed);
  response.once('close', () => finish(observed, response));
}

/** Ties a GraphQL request's context to its observation, so the Apollo plugin below can add to it. */
export function observeContext(request: IncomingMessage, contextValue: object, caller: Caller | undefined): void {
  const observed = byRequest.get(request);
  if (!observed) return;
  (contextValue as ObservedContext)[OBSERVED] = observed;
  if (caller)
    observed.caller = {
      callerRole: caller.role,
      callerProvince: provinceOf(caller),
      ...(caller.role === Role.SERVICE ? { peer: caller.subject } : {}),
    };
}

/** The deployment that called an internal operation (its service token named it). */
export function notePeer(request: IncomingMessage, peer: string): void {
  const observed = byRequest.get(request);
  if (observed) observed.caller = { callerRole: Role.SERVICE, peer };
}

/** An error code of the answer (a refusal, UNAUTHENTICATED before parsing, BODY_TOO_LARGE, …). */
export function noteCode(request: IncomingMessage, code: string | undefined): void {
  if (code) byRequest.get(request)?.codes.add(code);
}

function finish(observed: ObservedRequest, response: ServerResponse): void {
  const seconds = Number(process.hrtime.bigint() - observed.started) / 1e9;
  const operation = observed.operation ?? 'unparsed';
  const codes = [...observed.codes];
  countRequest(observed.kind, operation, codes, seconds);
  if (observed.span && codes.length > 0) {
    observed.span.setAttribute('wallet.error_codes', codes);
    if (codes.includes('INTERNAL_SERVER_ERROR')) observed.span.setStatus({ code: SpanStatusCode.ERROR });
  }
  log.info(
    {
      traceId: observed.traceId,
      kind: observed.kind,
      operation,
      ...observed.caller,
      status: response.statusCode,
      ...(response.writableFinished ? {} : { aborted: true }),
      durationMs: Math.round(seconds * 10_000) / 10,
      ...(codes.length > 0 ? { codes } : {}),
    },
    'request',
  );
}

/** Names a GraphQL request's operation (on its log line, metrics and span) and collects the codes of its errors. */
export function requestObservationPlugin<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const observed = (contextValue as ObservedContext)[OBSERVED];
      if (!observed) return;
      return {
        async didResolveOperation({ operationName, operation }) {
          observed.operation = boundedOperationName(operationName);
          const type = operation?.operation ?? 'operation';
          observed.span?.updateName(`${type} ${observed.operation}`);
          observed.span?.setAttributes({
            'graphql.operation.name': observed.operation,
            'graphql.operation.type': type,
          });
        },
        async willSendResponse({ request, response }) {
          observed.operation ??= boundedOperationName(request.operationName);
          if (response.body.kind !== 'single') return;
          for (const error of response.body.singleResult.errors ?? []) {
            const code = error.extensions?.code;
            if (typeof code === 'string') observed.codes.add(code);
          }
        },
      };
    },
  };
}
