import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { type CallerContext, requireCallerPlugin } from '../auth/authenticate';
import { refuseNulPlugin } from './refuse-nul';
import { log } from '../log';
import { requestObservationPlugin } from '../observability/requests';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { GraphQLError } from 'graphql';
import { isRefusalCode, OutcomePending } from '../../domain/errors';
import { DATABASE_LOST_MESSAGE, isDatabaseLoss } from '../data/database-loss';

/** Errors whose message is meant for the caller; anything else is an internal fault. */
function isForCaller(error: unknown): boolean {
  return error instanceof GraphQLError && typeof error.extensions?.code === 'string';
}

/**
 * Keeps refusals as they are and hides internal faults behind a plain message (the detail goes
 * to the service log, never to the caller). No stack traces leave a service.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = formatted.extensions?.code;
  const refusedLiteral = refusedLiteralCode(original);
  if (code === 'GRAPHQL_VALIDATION_FAILED' && refusedLiteral) {
    return withoutStack({ ...formatted, extensions: { ...formatted.extensions, code: refusedLiteral } });
  }
  if (code && code !== 'INTERNAL_SERVER_ERROR') return withoutStack(formatted);
  if (isForCaller(original))
    return withoutStack({ ...formatted, extensions: { ...(original as GraphQLError).extensions } });
  if (isDatabaseLoss(original)) {
    // R30: a change may or may not have been committed; asking again (under the same key) gets the final answer.
    log.warn(
      { error: original instanceof Error ? original.message : formatted.message, path: formatted.path?.join('.') },
      'database lost while answering',
    );
    return { ...new OutcomePending(DATABASE_LOST_MESSAGE).toJSON(), path: formatted.path };
  }
  log.error(
    { error: original instanceof Error ? original.message : formatted.message, path: formatted.path?.join('.') },
    'internal error',
  );
  return { message: 'Internal server error.', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/**
 * A literal that one of our scalars refuses (a Money of "1.005") fails validation: graphql-js reports
 * the scalar's own error and Apollo labels it GRAPHQL_VALIDATION_FAILED (HTTP 400). The scalar's
 * code is the one a client acts on, and the same as for the value sent as a variable.
 */
function refusedLiteralCode(error: unknown): string | undefined {
  const cause = error instanceof GraphQLError ? error.originalError : undefined;
  const code = cause instanceof GraphQLError ? cause.extensions.code : undefined;
  return isRefusalCode(code) ? code : undefined;
}

function withoutStack(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!formatted.extensions || !('stacktrace' in formatted.extensions)) return formatted;
  const { stacktrace: _ignored, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}

/** A subgraph's Apollo server; in production (NODE_ENV=production) without introspection. */
export function subgraphServer<Context extends CallerContext>(
  schema: GraphQLSchema,
  plugins: ApolloServerPlugin<Context>[] = [],
  options: { production?: boolean } = {},
): ApolloServer<Context> {
  return new ApolloServer<Context>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    stopOnTerminationSignals: false, // runService() stops the whole service on a signal
    introspection: !options.production,
    // No HTTP caching of a personal graph: skip the per-field cache-hint bookkeeping.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(), // no page that loads from a CDN; subgraphs are not for browsers
      requestObservationPlugin<Context>(),
      requireCallerPlugin<Context>(),
      refuseNulPlugin<Context>(),
      ...plugins,
    ],
  });
}
