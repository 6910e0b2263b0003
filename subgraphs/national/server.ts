import { subgraphServer } from '../common/apollo';
import { openDatabase } from '../common/database';
import { serveHttp, type RunningHttpService } from '../common/http-server';
import { type NationalContext, nationalContext } from './context';
import { Init1732300000000 } from './migrations/1732300000000-Init';
import { ProvinceDirectory } from './provinces/province-directory';
import { syncRegistry } from './registry/registry';
import { buildNationalSchema } from './schema';

export interface NationalServiceConfig {
  databaseUrl: string;
  port: number;
  host?: string;
  serviceToken: string;
  provinceUrls: Record<string, string>; // base URL of each provincial deployment, by code
}

/** Starts the `national` subgraph on its own database. */
export async function startNationalService(config: NationalServiceConfig): Promise<RunningHttpService> {
  const db = await openDatabase({ url: config.databaseUrl, entities: [], migrations: [Init1732300000000] });
  await syncRegistry(db);
  const provinces = new ProvinceDirectory(config.provinceUrls, config.serviceToken);
  const apollo = subgraphServer<NationalContext>(await buildNationalSchema());
  await apollo.start();
  const service = await serveHttp({
    apollo,
    context: async () => nationalContext(db, provinces),
    port: config.port,
    host: config.host,
    routes: { 'GET /health': async () => ({ status: 200, body: { status: 'ok' } }) },
  });
  return {
    ...service,
    async close() {
      await service.close();
      await db.destroy();
    },
  };
}
