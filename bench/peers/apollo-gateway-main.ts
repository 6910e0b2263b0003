import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { readFileSync } from 'node:fs';
import { serveHttp } from '../../subgraphs/common/platform/http/http-server';
import { runService } from '../../subgraphs/common/platform/service-main';
import { peerConfig } from './peer-config';

/**
 * Peer 1: plain @apollo/gateway on the same supergraph, without our routing layer: a plain
 * RemoteGraphQLDataSource (its default fetcher) for every subgraph, at the URLs written into the
 * supergraph (`province` pointed at one deployment), passing the caller's Authorization header on
 * as every subgraph requires. Served by the same HTTP layer as ours.
 */
interface PeerContext {
  authorization?: string;
}

runService('apollo gateway peer', async () => {
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(peerConfig().SUPERGRAPH_FILE, 'utf8'),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<PeerContext & Record<string, unknown>>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  const apollo = new ApolloServer<PeerContext>({ gateway, stopOnTerminationSignals: false });
  await apollo.start();
  return serveHttp({
    apollo,
    port: peerConfig().PORT,
    context: async (request) => ({ authorization: request.headers.authorization }),
  });
});
