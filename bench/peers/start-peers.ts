import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type ServiceProcess, startServiceProcess } from '../../cluster/service-process';
import { SCHEMA_DIR, SUPERGRAPH_FILE } from '../../gateway/schema-files';

/**
 * Starts the peers the gateway is compared with, each in its own process, on a copy of the
 * checked-in supergraph whose placeholder URLs are replaced by the running subgraphs' URLs.
 */
export interface Peers {
  apolloGateway: ServiceProcess;
  hiveGateway: ServiceProcess;
  stop(): Promise<void>;
}

const PLACEHOLDERS = {
  national: 'http://national.invalid/graphql',
  province: 'http://province.invalid/graphql',
};

/** The supergraph with real URLs; the `province` subgraph points at one deployment. */
export function writeSupergraphWithUrls(folder: string, urls: { national: string; province: string }): string {
  const checkedIn = readFileSync(join(SCHEMA_DIR, SUPERGRAPH_FILE), 'utf8');
  for (const placeholder of Object.values(PLACEHOLDERS)) {
    if (!checkedIn.includes(`"${placeholder}"`)) throw new Error(`${SUPERGRAPH_FILE} no longer names ${placeholder}`);
  }
  const file = join(folder, 'supergraph-with-urls.graphql');
  writeFileSync(
    file,
    checkedIn
      .replace(`"${PLACEHOLDERS.national}"`, JSON.stringify(urls.national))
      .replace(`"${PLACEHOLDERS.province}"`, JSON.stringify(urls.province)),
  );
  return file;
}

export async function startPeers(
  supergraphFile: string,
  onOutput?: (service: string, line: string) => void,
): Promise<Peers> {
  const started: ServiceProcess[] = [];
  const start = async (name: string, script: string) => {
    const service = await startServiceProcess({
      name,
      script: join(__dirname, script),
      port: await freePort(),
      env: { SUPERGRAPH_FILE: supergraphFile },
      onOutput,
    });
    started.push(service);
    return service;
  };
  try {
    const apolloGateway = await start('apollo gateway peer', 'apollo-gateway-main.js');
    const hiveGateway = await start('hive gateway peer', 'hive-gateway-main.js');
    return { apolloGateway, hiveGateway, stop: async () => void (await Promise.all(started.map((s) => s.stop()))) };
  } catch (error) {
    await Promise.all(started.map((s) => s.stop()));
    throw error;
  }
}
