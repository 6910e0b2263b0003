import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { manifestFiles } from '../scripts/kubernetes/layout';
import { IMAGE } from '../scripts/kubernetes/settings';

/**
 * The image, checked statically (no Docker here): the final stage installs production
 * dependencies only, copies the compiled code from the build stage and runs as a user that is not
 * root; the manifests run programs the image holds, under the name the Dockerfile tells to build.
 */
const ROOT = join(__dirname, '..', '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const stages: string[][] = [];
for (const line of instructions) {
  if (/^FROM\s/i.test(line)) stages.push([line]);
  else stages.at(-1)?.push(line);
}
const final = stages.at(-1) ?? [];

test('the Dockerfile is multi-stage; its final stage installs production dependencies only and copies dist from the build', () => {
  assert.ok(stages.length >= 2, 'a build stage and a final stage');
  const installs = final.filter((line) => /^RUN\b.*\bnpm (ci|install|i)\b/.test(line));
  assert.ok(installs.length > 0, 'the final stage installs its dependencies');
  for (const line of installs) assert.match(line, /npm ci --omit=dev\b/, `only production dependencies: ${line}`);
  assert.ok(!final.some((line) => /npm run build|tsc\b/.test(line)), 'nothing is compiled in the final stage');
  assert.ok(
    final.some((line) => /^COPY --from=build \/app\/dist dist$/.test(line)),
    'dist comes from the build stage',
  );
  assert.ok(
    !final.some((line) => /^COPY (gateway|subgraphs|cluster|scripts|test)\b/.test(line)),
    'no TypeScript source in the image',
  );
});

test('the final stage runs as a user that is not root', () => {
  const users = final.filter((line) => /^USER\s/i.test(line));
  assert.ok(users.length > 0, 'a USER instruction');
  const user = users.at(-1)?.split(/\s+/)[1] ?? '';
  assert.doesNotMatch(user, /^(root|0)(:|$)/);
  assert.match(user, /^[1-9][0-9]*(:[1-9][0-9]*)?$/, 'numeric, so that runAsNonRoot can verify it');
});

test('the manifests name the image the Dockerfile tells to build, and run programs it holds', () => {
  assert.ok(dockerfile.includes(`docker build -t ${IMAGE} .`), `the Dockerfile names ${IMAGE}`);
  const commands = Object.values(manifestFiles())
    .flatMap((text) => parseAllDocuments(text).map((doc) => doc.toJS()))
    .flatMap((object) => (object?.spec?.template?.spec?.containers ?? []) as { image: string; command: string[] }[]);
  assert.ok(commands.length >= 5);
  for (const container of commands) {
    assert.equal(container.image, IMAGE);
    const [node, script] = container.command;
    assert.equal(node, 'node');
    assert.ok(existsSync(join(ROOT, script)), `${script} is built (dist/ is what the image holds)`);
  }
});
