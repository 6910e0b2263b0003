import { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { CallerContext } from '../subgraphs/common/auth/authenticate';
import { keepAliveFetcher } from './keep-alive-fetcher';

/** Sent by the gateway to say which caller a subgraph request is made for. */
export interface GatewayContext extends CallerContext {
  authorization?: string;
}

/** A response that carries no GraphQL errors means the subgraph itself failed (or is not one). */
export class SubgraphUnreachable extends Error {}

/**
 * The HTTP client for one subgraph deployment. It passes the caller's credential on, and when a
 * subgraph refuses a request with HTTP 4xx (e.g. a Money variable that does not parse), the
 * subgraph's own error and code reach the caller instead of a bare "400: Bad Request".
 * Fetches go over the gateway's kept-alive connections (keep-alive-fetcher.ts).
 */
export class SubgraphSource extends RemoteGraphQLDataSource<GatewayContext & Record<string, unknown>> {
  constructor(url: string) {
    super({ url, fetcher: keepAliveFetcher });
  }

  override willSendRequest({ request, context }: Parameters<NonNullable<RemoteGraphQLDataSource['willSendRequest']>>[0]): void {
    const authorization = (context as GatewayContext).authorization;
    if (authorization) request.http?.headers.set('authorization', authorization);
  }

  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const body = (await response.json().catch(() => undefined)) as { errors?: GraphQLFormattedError[] } | undefined;
    const first = body?.errors?.[0];
    if (response.status < 500 && first) {
      return new GraphQLError(first.message, { extensions: { ...first.extensions, httpStatus: response.status } });
    }
    throw new SubgraphUnreachable(`HTTP ${response.status} from ${this.url}`);
  }
}
