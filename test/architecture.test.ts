import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

/**
 * The layout, kept by its imports (docs/design.md, "Layout and dependencies"):
 * - in each subgraph, graphql/ is the transport (resolvers, types, references, schema); every other
 *   module is domain or wiring and imports no GraphQL library and nothing of a graphql/ folder;
 * - subgraphs/common/domain is the small shared domain: it imports nothing of the platform;
 * - each subgraph's concept folders stand in one order, and at most MAX_UPWARD imports run up it;
 * - the gateway process loads no subgraph's transport and no composition: it reads schema/.
 */

const TOP = join(__dirname, '..', '..');

/**
 * Each subgraph's concept folders, lowest first: a module imports from folders below its own. An
 * import of a folder further up the list is an upward import (graphql/ is above them all and
 * migrations/ beside them; the files at a subgraph's top, such as context.ts and server.ts, wire
 * the folders together and are not counted).
 */
const FOLDER_ORDER: Record<'national' | 'province', string[]> = {
  national: [
    'provinces',
    'reports',
    'steps',
    'clearing',
    'events',
    'fraud',
    'registry',
    'statistics',
    'restore',
    'relationships',
    'quota',
    'persons',
    'wallets',
    'settlement',
    'access-log',
    'reconciliation',
    'recovery',
  ],
  province: ['statistics', 'accounts', 'members', 'access-log', 'internal'],
};
const MAX_UPWARD = 5;

/** Subgraph modules that wire the transport to the domain (the composition root), and so may import both. */
const COMPOSITION_ROOTS = new Set(['subgraphs/national/server.ts', 'subgraphs/province/server.ts']);
/** The one shared-domain module that names a GraphQL type: refusals travel as GraphQLError with their code. */
const GRAPHQL_ERROR_CARRIER = 'subgraphs/common/domain/errors.ts';

interface Module {
  file: string; // repository path, e.g. subgraphs/national/quota/transfers.ts
  modules: string[]; // repository paths of the project's modules it imports
  packages: string[]; // names of the packages it imports (node: built-ins left out)
}

function sourcesUnder(folder: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(join(TOP, path))) {
      const child = posix.join(path, name);
      if (statSync(join(TOP, child)).isDirectory()) walk(child);
      else if (child.endsWith('.ts') && !child.endsWith('.d.ts')) found.push(child);
    }
  };
  walk(folder);
  return found;
}

function resolved(from: string, specifier: string): string {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  const match = [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => existsSync(join(TOP, candidate)));
  assert.ok(match, `${from} imports ${specifier}, which is not a module of the project`);
  return match;
}

function readModule(file: string): Module {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(TOP, file), 'utf8'), true, true);
  const specifiers = importedFiles.map((i) => i.fileName);
  return {
    file,
    modules: specifiers.filter((s) => s.startsWith('.')).map((s) => resolved(file, s)),
    packages: specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('node:')),
  };
}

const modules = new Map(
  ['subgraphs', 'gateway', 'scripts'].flatMap(sourcesUnder).map((file) => [file, readModule(file)]),
);
const inFolder = (folder: string) => [...modules.values()].filter((m) => m.file.startsWith(folder));

const isGraphqlLibrary = (name: string) => name === 'graphql' || name === 'type-graphql' || name.startsWith('@apollo/');
const isTransport = (file: string) => /^subgraphs\/(national|province|common\/platform)\/graphql\//.test(file);

test('no domain module of a subgraph imports GraphQL or the transport', () => {
  const domain = [...inFolder('subgraphs/national/'), ...inFolder('subgraphs/province/')].filter(
    (m) => !isTransport(m.file) && !COMPOSITION_ROOTS.has(m.file),
  );
  assert.ok(domain.length > 50, 'the domain modules were found');
  const offences = domain.flatMap((m) => [
    ...m.packages.filter(isGraphqlLibrary).map((name) => `${m.file} imports ${name}`),
    ...m.modules.filter(isTransport).map((file) => `${m.file} imports ${file}`),
  ]);
  assert.deepEqual(offences, [], 'domain modules that reach into the GraphQL transport');
});

test('the shared domain (subgraphs/common/domain) imports nothing of the platform and no GraphQL transport', () => {
  const shared = inFolder('subgraphs/common/domain/');
  assert.ok(shared.length > 3, 'the shared domain modules were found');
  const offences = shared.flatMap((m) => [
    ...m.modules
      .filter((file) => !file.startsWith('subgraphs/common/domain/'))
      .map((file) => `${m.file} imports ${file}`),
    ...m.packages
      .filter((name) => isGraphqlLibrary(name) && !(name === 'graphql' && m.file === GRAPHQL_ERROR_CARRIER))
      .map((name) => `${m.file} imports ${name}`),
  ]);
  assert.deepEqual(offences, [], 'shared-domain imports outside the shared domain');
});

for (const [subgraph, order] of Object.entries(FOLDER_ORDER)) {
  test(`${subgraph}'s concept folders stand in one order, with at most ${MAX_UPWARD} imports running up it`, () => {
    const top = `subgraphs/${subgraph}/`;
    const folderOf = (file: string) => {
      const parts = file.slice(top.length).split('/');
      return parts.length > 1 && parts[0] !== 'graphql' && parts[0] !== 'migrations' ? parts[0] : undefined;
    };
    const inFolders = inFolder(top).filter((m) => folderOf(m.file));
    const unplaced = [...new Set(inFolders.map((m) => folderOf(m.file) as string))].filter((f) => !order.includes(f));
    assert.deepEqual(
      unplaced,
      [],
      `concept folders missing from FOLDER_ORDER.${subgraph}: give each new folder its place`,
    );
    const upward = inFolders.flatMap((m) => {
      const from = order.indexOf(folderOf(m.file) as string);
      return m.modules
        .filter((file) => file.startsWith(top) && folderOf(file) !== undefined)
        .filter((file) => order.indexOf(folderOf(file) as string) > from)
        .map((file) => `${m.file} -> ${file}`);
    });
    assert.ok(
      upward.length <= MAX_UPWARD,
      `${upward.length} upward imports (at most ${MAX_UPWARD}):\n${upward.join('\n')}`,
    );
  });
}

test('the gateway process loads no subgraph transport and no composition: it serves the checked-in schema/', () => {
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const imported of modules.get(file)?.modules ?? []) visit(imported);
  };
  for (const m of inFolder('gateway/')) visit(m.file);
  assert.ok(loaded.has('gateway/main.ts') && loaded.has('gateway/server.ts'), 'the gateway modules were found');
  const offences = [...loaded].filter(
    (file) =>
      /^subgraphs\/(national|province)\/graphql\//.test(file) ||
      file.startsWith('scripts/') ||
      (modules.get(file)?.packages ?? []).includes('@apollo/composition'),
  );
  assert.deepEqual(
    offences,
    [],
    'modules the gateway process would load that belong to the subgraphs or to composition',
  );
});
