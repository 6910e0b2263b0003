import {
  type Attributes,
  context,
  type Context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { SharedSettings } from '../config/shared';
import { errorText, log } from '../log';
import { entrySampling } from './sampling';
import { keepTracesOnRequests, propagateUnrecordedTraces, unrecordedTrace } from './trace-context';

/**
 * OpenTelemetry tracing of a service: the official Node SDK with the instrumentations of Node's
 * HTTP server, undici (every call to a subgraph or a province) and pg (every SQL statement), so a
 * request is one trace from the gateway through national, the provinces and their databases (W3C
 * trace context). Spans are exported only when an OTLP endpoint is configured by the standard
 * variables (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; OTLP over
 * HTTP); without one, trace ids are still made, propagated and logged, and no span is recorded.
 * With export, the standard variables configure it too: `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
 * `OTEL_TRACES_SAMPLER`(`_ARG`), `OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_HEADERS`, …
 *
 * What a request costs follows the sampling decision, made once where it enters (sampling.ts): a
 * sampled request runs through the instrumentations; any other request, and every request of a
 * service that exports nothing, runs without them, its trace id kept and passed on by
 * trace-context.ts (the instrumentations are not even loaded when nothing is exported).
 *
 * Work started by a timer (recovery, the R32 forwarder, the gateway's health checks) makes no
 * spans of its own unless it opens one (`inSpan`): SQL and calls need a parent span, so idle
 * polling leaves no traces.
 */
const TRACER = 'medical-wallet-federation';

/** Probes and scrapes are not traced. */
const UNTRACED_PATHS = new Set(['/health', '/metrics']);

/** GraphQL over GET carries the operation and its variables (personal data) in the query string. */
const REDACTED_QUERY_PARAMETERS = ['query', 'variables', 'extensions', 'operationName'];

/** The variables of the shared configuration (config/shared.ts) that turn tracing on or off. */
export type TracingSettings = Pick<
  SharedSettings,
  | 'OTEL_SDK_DISABLED'
  | 'OTEL_TRACES_EXPORTER'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_TRACES_SAMPLER'
  | 'OTEL_TRACES_SAMPLER_ARG'
>;

export function tracingConfigured(settings: TracingSettings): boolean {
  if (settings.OTEL_SDK_DISABLED === 'true') return false;
  if (settings.OTEL_TRACES_EXPORTER?.split(',').some((e) => e.trim() === 'none')) return false;
  return Boolean(settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || settings.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

let provider: NodeTracerProvider | undefined;

/**
 * Starts tracing when configured. Must run before the instrumented modules (http, undici, pg) are
 * first loaded: each service's `telemetry.ts` is the first import of its main.
 * `passesTracesOn`: the service puts the trace on the calls it makes by itself (the gateway's data
 * sources), so when nothing is exported it needs no tracer provider and no async context: the
 * trace of a request is kept on the request (trace-context.ts).
 */
export function startTracing(serviceName: string, settings: TracingSettings, passesTracesOn = false): void {
  if (provider || settings.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return;
  const exporting = tracingConfigured(settings);
  if (!exporting && passesTracesOn) {
    keepTracesOnRequests();
    return;
  }
  const sampling = entrySampling(settings.OTEL_TRACES_SAMPLER, settings.OTEL_TRACES_SAMPLER_ARG);
  const exporters = exporting ? exportingModules() : undefined;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }).merge(
      detectResources({ detectors: [envDetector] }),
    ),
    // Without an exporter no span is recorded, yet every request has a trace id: made at the gateway
    // when the caller sent none, passed on to national and the provinces (W3C traceparent), logged.
    ...(exporters
      ? { sampler: sampling.sampler, spanProcessors: [new BatchSpanProcessor(new exporters.OTLPTraceExporter())] }
      : { sampler: new AlwaysOffSampler() }),
  });
  provider.register();
  propagateUnrecordedTraces(exporting);
  if (!exporters) return;
  const { registerInstrumentations, HttpInstrumentation, UndiciInstrumentation, PgInstrumentation } = exporters;
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        // Not sampled: served without instrumentation, in an unrecorded trace (trace-context.ts).
        ignoreIncomingRequestHook: (request) =>
          UNTRACED_PATHS.has((request.url ?? '').split('?')[0]) || !sampling.traceRequest(request),
        requireParentforOutgoingSpans: true,
        redactedQueryParamsServer: REDACTED_QUERY_PARAMETERS,
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      // Statements only, never their parameter values.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
  log.info(
    { sampler: settings.OTEL_TRACES_SAMPLER, ratio: settings.OTEL_TRACES_SAMPLER_ARG },
    'tracing: exporting spans over OTLP/HTTP',
  );
}

/**
 * The exporter and the instrumentations, loaded only by a service that exports spans: loading them
 * costs about a tenth of a second of CPU per process start, and a test run starts hundreds of processes.
 */
function exportingModules() {
  const load = <T>(name: string) => require(name) as T;
  type Exporter = typeof import('@opentelemetry/exporter-trace-otlp-http');
  type Instrumentation = typeof import('@opentelemetry/instrumentation');
  type Http = typeof import('@opentelemetry/instrumentation-http');
  type Pg = typeof import('@opentelemetry/instrumentation-pg');
  type Undici = typeof import('@opentelemetry/instrumentation-undici');
  return {
    OTLPTraceExporter: load<Exporter>('@opentelemetry/exporter-trace-otlp-http').OTLPTraceExporter,
    registerInstrumentations: load<Instrumentation>('@opentelemetry/instrumentation').registerInstrumentations,
    HttpInstrumentation: load<Http>('@opentelemetry/instrumentation-http').HttpInstrumentation,
    PgInstrumentation: load<Pg>('@opentelemetry/instrumentation-pg').PgInstrumentation,
    UndiciInstrumentation: load<Undici>('@opentelemetry/instrumentation-undici').UndiciInstrumentation,
  };
}

/** Sends the spans not yet exported (before the process exits). */
export async function flushTracing(): Promise<void> {
  await provider
    ?.shutdown()
    .catch((error: unknown) => log.warn({ error: errorText(error) }, 'tracing: spans could not be flushed'));
}

const tracer = () => trace.getTracer(TRACER);

/** The trace id of the request being served (recorded or not), if it has one. */
export function activeTraceId(): string | undefined {
  const spanContext = unrecordedTrace() ?? trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/** The W3C `traceparent` of the active span when it is sampled (what the outbox keeps with a step), else null. */
export function sampledTraceParent(): string | null {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !(spanContext.traceFlags & TraceFlags.SAMPLED)) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** A link to the span a stored `traceparent` names. */
export function linkTo(traceParent: string | null | undefined): Link | undefined {
  if (!traceParent) return undefined;
  const spanContext = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent: traceParent }));
  return spanContext && trace.isSpanContextValid(spanContext) ? { context: spanContext } : undefined;
}

/**
 * Runs `work` in a span of its own: a child of the request being served, or the root of a new
 * trace when there is none (work of a timer). An error thrown marks the span failed. Within a
 * request not sampled, no span: the work stays in that request's unrecorded trace.
 */
export async function inSpan<T>(
  name: string,
  options: { attributes?: Attributes; links?: (Link | undefined)[]; parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const unrecorded = options.parent ? undefined : unrecordedTrace();
  if (unrecorded) return work(trace.wrapSpanContext(unrecorded));
  const links = (options.links ?? []).filter((l): l is Link => l !== undefined);
  return tracer().startActiveSpan(
    name,
    { attributes: options.attributes, links },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
