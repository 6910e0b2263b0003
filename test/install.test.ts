import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import semver from 'semver';

/**
 * A fresh clone installs with no warning on the Node the README names: every package of the
 * lockfile accepts that Node (npm prints EBADENGINE otherwise), and every install script is either
 * allowed or denied in allowScripts (npm 11 warns about any other).
 */
const PROJECT = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(PROJECT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  overrides: Record<string, string>;
  allowScripts: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(join(PROJECT, 'package-lock.json'), 'utf8')) as {
  packages: Record<
    string,
    { version?: string; engines?: Record<string, string> | string[]; hasInstallScript?: boolean }
  >;
};
const installed = Object.entries(lock.packages).filter(
  ([path]) => path.startsWith('node_modules/') || path.includes('/node_modules/'),
);
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('install', () => {
  const oldest = semver.minVersion(manifest.engines.node)?.version as string;

  test('the README names the Node version of package.json engines', () => {
    const [major, minor] = oldest.split('.');
    assert.match(readFileSync(join(PROJECT, 'README.md'), 'utf8'), new RegExp(`Node ${major}\\.${minor} or later`));
  });

  test(`every package of the lockfile accepts Node ${oldest} and the Node running the tests`, () => {
    const refusing = installed.flatMap(([path, entry]) => {
      const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
      return range && !(semver.satisfies(oldest, range) && semver.satisfies(process.version, range))
        ? [`${nameOf(path)}@${entry.version} wants node ${range}`]
        : [];
    });
    assert.deepEqual(refusing, []);
  });

  test('every package with an install script is allowed or denied in allowScripts', () => {
    const unreviewed = installed.filter(
      ([path, entry]) => entry.hasInstallScript && typeof manifest.allowScripts[nameOf(path)] !== 'boolean',
    );
    assert.deepEqual(
      unreviewed.map(([path, entry]) => `${nameOf(path)}@${entry.version}`),
      [],
    );
  });

  test('every version is pinned', () => {
    const ranges = Object.entries({
      ...manifest.dependencies,
      ...manifest.devDependencies,
      ...manifest.overrides,
    }).filter(([, version]) => semver.valid(version) === null);
    assert.deepEqual(ranges, []);
  });
});
