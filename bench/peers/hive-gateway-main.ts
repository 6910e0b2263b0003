import { createGatewayRuntime } from '@graphql-hive/gateway';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { peerConfig } from './peer-config';

/**
 * Peer 2: Hive Gateway (@graphql-hive/gateway, programmatic API) on the same supergraph, one
 * process, served by Node's own HTTP server. Prints the ready line the cluster launcher waits for.
 */
const gateway = createGatewayRuntime({
  supergraph: readFileSync(peerConfig().SUPERGRAPH_FILE, 'utf8'),
  logging: 'error',
  // Every subgraph checks the caller again, so the caller's token goes along (as ours does).
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const authorization = request.headers.get('authorization');
      return authorization ? { authorization } : {};
    },
  },
  landingPage: false,
  graphiql: false,
});
const server = createServer(gateway);
server.keepAliveTimeout = 65_000;
server.listen(peerConfig().PORT, '127.0.0.1', () => {
  console.log(`hive gateway peer ready at http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => void Promise.resolve(gateway.dispose()).finally(() => process.exit(0)));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
