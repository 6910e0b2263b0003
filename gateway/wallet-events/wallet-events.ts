import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServer } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { Pool } from 'pg';
import type { GatewayContext } from '../subgraph-source';
import { EventFeed } from './event-feed';
import { walletEventsRoute, type WalletEventsRoute } from './stream-route';
import { BoundedClient } from '../../subgraphs/common/platform/data/bounded-client';
import { databaseWaits } from '../../subgraphs/common/platform/http/deadlines';
import { logPoolErrors } from '../../subgraphs/common/platform/data/database-shutdown';
import { watchPool } from '../../subgraphs/common/platform/observability/metrics';

/** Where the gateway reads national's wallet events: national's database (a role that may only read `wallet_event` is enough). */
export interface WalletEventsConfig {
  databaseUrl: string;
  /** How often the table is read when nothing is coming (ms; default 50). */
  pollMs?: number;
  /** Events answered at once across all subscriptions (default 64). */
  concurrency?: number;
}

/** The subscription endpoint and the feed behind it; call before `apollo.start()` (it listens for the schema). */
export function serveWalletEvents(
  config: WalletEventsConfig,
  apollo: ApolloServer<GatewayContext>,
  gateway: ApolloGateway,
  routed: ReadonlySet<string>,
): { route: WalletEventsRoute; close(): Promise<void> } {
  const db = new Pool({ connectionString: config.databaseUrl, max: 4, Client: BoundedClient, ...databaseWaits() });
  logPoolErrors(db, "wallet events: national's database connection");
  watchPool('wallet-events', db);
  const feed = new EventFeed(db, config.pollMs ?? 50);
  let schema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => (schema = apiSchema));
  feed.start();
  const route = walletEventsRoute({ apollo, feed, schema: () => schema, routed, concurrency: config.concurrency });
  return {
    route,
    async close() {
      route.close();
      await feed.stop();
      await db.end();
    },
  };
}
