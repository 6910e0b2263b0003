import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GraphQLFormattedError } from 'graphql';
import { OUTCOME_PENDING, RefusalCode } from '../subgraphs/common/domain/errors';
import { operationOf } from './route-fetch';

/**
 * A fetch the gateway could not get answered, as an answer with an error at the path of every field
 * the fetch was for (each root field, or each entity), so the rest of the query still answers and a
 * client sees what is missing. R30: a mutation that may have reached the subgraph is in doubt
 * (OUTCOME_PENDING: retry with the same idempotency key); anything else is unavailable (nothing done).
 */
export interface Unanswered {
  code: string;
  message: string;
  extensions?: Record<string, string>;
  /** Whether the request may have reached the subgraph (it was sent and the connection then failed). */
  mayHaveArrived?: boolean;
}

export function unansweredFetch(
  request: GraphQLDataSourceProcessOptions['request'],
  why: Unanswered,
): GatewayGraphQLResponse {
  const operation = operationOf(request.query ?? '');
  const inDoubt = why.mayHaveArrived === true && operation?.operation === 'mutation';
  const error = (path: (string | number)[]): GraphQLFormattedError => ({
    message: inDoubt
      ? 'The service did not answer after it was sent this change. The outcome is not known yet: send the same request again with the same idempotency key to get the final answer.'
      : why.message,
    path,
    extensions: inDoubt ? { code: OUTCOME_PENDING, retryWithSameKey: true } : { code: why.code, ...why.extensions },
  });
  const representations = request.variables?.representations;
  if (Array.isArray(representations))
    return { data: null, errors: representations.map((_r, index) => error(['_entities', index])) };
  const keys = (operation?.selectionSet.selections ?? []).flatMap((s) =>
    s.kind === 'Field' && !s.name.value.startsWith('__') ? [s.alias?.value ?? s.name.value] : [],
  );
  return { data: null, errors: keys.map((key) => error([key])) };
}

/** How long a client is asked to wait before retrying while national does not answer. */
const RETRY_AFTER_SECONDS = '2';

/** With national down the whole platform is down for money and most reads: HTTP 503 with Retry-After, not 200. */
export function nationalOutageStatusPlugin<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          if (!errors.some((e) => e.extensions?.code === RefusalCode.NATIONAL_UNAVAILABLE)) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', RETRY_AFTER_SECONDS);
        },
      };
    },
  };
}
