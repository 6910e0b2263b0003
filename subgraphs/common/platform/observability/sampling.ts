import { type Attributes, type Context, type Link, SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import type { IncomingMessage } from 'node:http';
import { parseTraceParent } from './trace-context';

/**
 * Which requests are traced, decided once where a request enters a service, before any
 * instrumentation runs: the caller's decision (its `traceparent`'s sampled flag) with a
 * `parentbased_*` sampler, else the sampler's own (`always_on`, `always_off`, `traceidratio` with
 * OTEL_TRACES_SAMPLER_ARG). A request not sampled is served without instrumentation (the HTTP
 * instrumentation ignores it, see trace-context.ts) and passes "not sampled" on, so the services
 * behind it skip theirs too: at 10% sampling, nine requests in ten cost what an untraced one does.
 */
export interface EntrySampling {
  /** Whether a request arriving now is traced. */
  traceRequest(request: IncomingMessage): boolean;
  /** The SDK's sampler: server spans were decided at the entry; other spans (timers' work) as configured. */
  sampler: Sampler;
}

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export function entrySampling(name: string, argument: string | undefined): EntrySampling {
  const known = (SAMPLERS as readonly string[]).includes(name) ? name : 'parentbased_always_on';
  const parentBased = known.startsWith('parentbased_');
  const root = known.replace('parentbased_', '');
  const parsed = Number(argument);
  const ratio = argument !== undefined && parsed >= 0 && parsed <= 1 ? parsed : 1;
  const rootSampler =
    root === 'always_on'
      ? new AlwaysOnSampler()
      : root === 'always_off'
        ? new AlwaysOffSampler()
        : new TraceIdRatioBasedSampler(ratio);
  const rootTraced = () => root === 'always_on' || (root === 'traceidratio' && Math.random() < ratio);
  return {
    traceRequest(request) {
      const parent = parseTraceParent(request.headers.traceparent);
      return parentBased && parent ? parent.sampled : rootTraced();
    },
    sampler: new DecidedAtEntry(parentBased ? new ParentBasedSampler({ root: rootSampler }) : rootSampler),
  };
}

/** Samples every server span (the request was let in by `traceRequest`); other spans as `inner`. */
class DecidedAtEntry implements Sampler {
  constructor(private readonly inner: Sampler) {}

  shouldSample(
    parent: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (spanKind === SpanKind.SERVER) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    return this.inner.shouldSample(parent, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `DecidedAtEntry{${this.inner.toString()}}`;
  }
}
