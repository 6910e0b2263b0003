import { composeServices } from '@apollo/composition';
import { graphql, type GraphQLSchema, parse } from 'graphql';
import { buildNationalSchema } from '../subgraphs/national/graphql/schema';
import { buildProvinceSchema } from '../subgraphs/province/graphql/schema';
import { SUPERGRAPH_FILE } from '../gateway/schema-files';

/** Placeholder URLs: the gateway routes by its own configuration, never by these. */
const SUBGRAPHS = [
  { name: 'national', url: 'http://national.invalid/graphql', build: buildNationalSchema },
  { name: 'province', url: 'http://province.invalid/graphql', build: buildProvinceSchema },
];

/** The SDL a subgraph serves as `_service { sdl }`: what composition and drift checks compare. */
export async function servedSdl(schema: GraphQLSchema): Promise<string> {
  const result = await graphql({ schema, source: '{ _service { sdl } }' });
  const sdl = (result.data?._service as { sdl?: string } | undefined)?.sdl;
  if (typeof sdl !== 'string') throw new Error(`no _service.sdl: ${JSON.stringify(result.errors)}`);
  return `${sdl.trim()}\n`;
}

export interface ComposedSupergraph {
  supergraphSdl: string;
  files: Record<string, string>; // file name in schema/ → content
}

/** Composes the supergraph from the code, as `npm run compose` writes it into schema/. */
export async function composeSupergraph(): Promise<ComposedSupergraph> {
  const services = await Promise.all(
    SUBGRAPHS.map(async (s) => ({ name: s.name, url: s.url, sdl: await servedSdl(await s.build()) })),
  );
  const result = composeServices(services.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  const files: Record<string, string> = { [SUPERGRAPH_FILE]: result.supergraphSdl };
  for (const s of services) files[`${s.name}.graphql`] = s.sdl;
  return { supergraphSdl: result.supergraphSdl, files };
}
