import { context, createContextKey, type SpanContext, trace, TraceFlags } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';

/**
 * The trace of a request that records no span: one not sampled (decided where it entered the
 * platform, see sampling.ts), or any request of a service that exports no spans. It costs no
 * instrumentation: its trace id is read from the caller's `traceparent` (or made), kept in the
 * request's async context (or on the request, see keepTracesOnRequests), logged, and passed on to the
 * services it calls in their `traceparent`, with the decision "not sampled", so that they skip their
 * instrumentation too.
 */
const UNRECORDED = createContextKey('wallet unrecorded trace');

const TRACE_PARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

/** A W3C `traceparent` header: the caller's trace id and span id, and whether the caller sampled it. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

export function parseTraceParent(header: string | string[] | undefined): TraceParent | undefined {
  const match = typeof header === 'string' ? TRACE_PARENT.exec(header) : null;
  if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return undefined;
  return { traceId: match[1], spanId: match[2], sampled: (Number.parseInt(match[3], 16) & 1) === 1 };
}

/** Random bytes drawn a few kilobytes at a time: one call into the CSPRNG per request and per call costs more than the id. */
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomUsed = 0;

function randomHex(bytes: number): string {
  if (randomUsed + bytes > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomUsed = 0;
  }
  randomUsed += bytes;
  return randomPool.toString('hex', randomUsed - bytes, randomUsed);
}

const newSpanId = () => randomHex(8);

/**
 * Whether the trace of a request is kept on the request itself rather than in its async context:
 * in a service that exports nothing and passes the trace on to the services it calls by itself
 * (the gateway: its data sources), so that no async context, and on Node 20 no async hook run on
 * every promise, is paid for only to carry a trace id.
 */
let keptOnRequest = false;
const requestTraces = new WeakMap<IncomingMessage, SpanContext>();

export function keepTracesOnRequests(): void {
  keptOnRequest = true;
}

const unrecordedTraceOf = (request: IncomingMessage): SpanContext => ({
  traceId: parseTraceParent(request.headers.traceparent)?.traceId ?? randomHex(16),
  spanId: newSpanId(),
  traceFlags: TraceFlags.NONE,
});

/**
 * Runs `serve` in the request's trace: the span the HTTP instrumentation opened when the request
 * is sampled, else an unrecorded trace continuing the caller's trace id (or a new one), in the
 * request's async context or, when traces are kept on requests, on the request.
 */
export function inRequestTrace<T>(request: IncomingMessage, serve: () => T): T {
  if (keptOnRequest) {
    requestTraces.set(request, unrecordedTraceOf(request));
    return serve();
  }
  const active = context.active();
  if (trace.getSpan(active)?.isRecording()) return serve();
  return context.with(active.setValue(UNRECORDED, unrecordedTraceOf(request)), serve);
}

/** The unrecorded trace of the request being served, if it is one. */
export function unrecordedTrace(): SpanContext | undefined {
  return context.active().getValue(UNRECORDED) as SpanContext | undefined;
}

/** The unrecorded trace of this request: kept on it, or in the async context it is served in. */
export function unrecordedTraceOfRequest(request: IncomingMessage): SpanContext | undefined {
  return requestTraces.get(request) ?? unrecordedTrace();
}

/** The trace a service passes on by itself to the services it calls for this request, when traces are kept on requests. */
export function traceToPassOn(request: IncomingMessage): SpanContext | undefined {
  return requestTraces.get(request);
}

/** The W3C `traceparent` of a call made in this trace (a span id of its own, the trace's sampling decision). */
export function traceParentOfCall(spanContext: SpanContext): string {
  const flags = spanContext.traceFlags & TraceFlags.SAMPLED ? '01' : '00';
  return `00-${spanContext.traceId}-${newSpanId()}-${flags}`;
}

let propagating = false;

/**
 * Passes the trace on to every undici request (calls between services) made in an unrecorded
 * trace; with `instrumented` (spans exported), a request made under a recorded span is left to the
 * undici instrumentation, which passes that span on; without, the span's trace (a timer's work).
 */
export function propagateUnrecordedTraces(instrumented: boolean): void {
  if (propagating) return;
  propagating = true;
  // diagnostics_channel.subscribe holds the channel: a Channel object subscribed to may be collected.
  subscribe('undici:request:create', (message) => {
    // The unrecorded trace first: spans opened inside it (@apollo/gateway's own, never recorded) carry other ids.
    const active = context.active();
    const spanContext =
      (active.getValue(UNRECORDED) as SpanContext | undefined) ??
      (instrumented ? undefined : trace.getSpan(active)?.spanContext());
    if (!spanContext || !trace.isSpanContextValid(spanContext)) return;
    (message as { request: { addHeader(name: string, value: string): unknown } }).request.addHeader(
      'traceparent',
      traceParentOfCall(spanContext),
    );
  });
}
