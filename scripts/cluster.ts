import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { startCluster } from '../cluster/cluster';
import { loadDemoData } from '../cluster/demo-data';

const HELP = `npm start -- [options]   starts the whole platform on this machine

  --provinces 32,13,51   province codes to run (env PROVINCES)
  --port 4000            gateway port (env GATEWAY_PORT)
  --data-dir .data       embedded PostgreSQL data and the keys (env DATA_DIR); kept between starts
  --reset                delete the embedded data first and load the demo again
  --no-demo              do not load the demo families
  --quiet                do not print the services' own log lines

  DATABASE_URL_NATIONAL, DATABASE_URL_<code> (e.g. DATABASE_URL_32): a connection string
  that replaces the embedded database for that deployment.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      provinces: { type: 'string', default: process.env.PROVINCES ?? '32,13,51' },
      port: { type: 'string', default: process.env.GATEWAY_PORT ?? '4000' },
      'data-dir': { type: 'string', default: process.env.DATA_DIR ?? '.data' },
      reset: { type: 'boolean', default: false },
      'no-demo': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(HELP);
  const provinces = values.provinces.split(',').map((s) => s.trim()).filter(Boolean);
  const databaseUrls: Record<string, string> = {};
  for (const service of ['national', ...provinces]) {
    const url = process.env[`DATABASE_URL_${service.toUpperCase()}`];
    if (url) databaseUrls[service] = url;
  }
  const started = Date.now();
  const dataDir = resolve(values['data-dir']);
  const cluster = await startCluster({
    provinces,
    keysDir: resolve(dataDir, 'keys'),
    dataDir: resolve(dataDir, 'postgres'),
    reset: values.reset,
    gatewayPort: Number(values.port),
    basePort: Number(values.port),
    postgresPort: Number(process.env.PGPORT ?? Number(values.port) + 32),
    databaseUrls,
    onProgress: (line) => console.log(`… ${line}`),
    onOutput: values.quiet ? undefined : (service, line) => console.log(`[${service}] ${line}`),
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping every service and the database…');
    cluster.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (!values['no-demo']) {
    console.log('… loading the demo families (only those not there yet)');
    await loadDemoData(cluster.gatewayUrl, provinces, cluster.identity).catch(async (error: unknown) => {
      await cluster.stop();
      throw error;
    });
  }
  console.log(`\nready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  gateway   ${cluster.gatewayUrl}   (health: ${cluster.gateway.baseUrl}/health)`);
  console.log(`  national  ${cluster.national.baseUrl}/graphql`);
  for (const [code, service] of cluster.provinces) console.log(`  province ${code}  ${service.baseUrl}/graphql`);
  console.log(`  keys      ${cluster.keysDir}   (the identity provider's public keys: ${cluster.keysDir}/jwks.json)`);
  console.log(`  dashboard ${cluster.gateway.baseUrl}/dashboard#token=${await cluster.token('dashboard')}`);
  console.log('            (the national statistics page, signed in as the dashboard for 8 hours)');
  console.log(`every request needs a token, e.g.: npm run token -- --role portal --province ${provinces[0]}`);
  console.log('press Ctrl-C to stop');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
