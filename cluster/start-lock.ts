import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * One `npm start` per data folder: while it runs, `<data-dir>/npm-start.pid` holds its process id.
 * A second one on the same folder is refused before it builds, starts or changes anything (by
 * scripts/launch.cjs, and again by the cluster script itself). A file left by a process that is
 * gone (a machine that lost power) is taken over.
 */
export const LOCK_FILE = 'npm-start.pid';
export const DEFAULT_DATA_DIR = '.data';

export class AlreadyRunning extends Error {}

/** The process that holds the lock, if it is still alive. */
function holderOf(file: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

function alreadyRunning(dataDir: string, pid: number): string {
  return [
    `npm start is already running on the data folder ${dataDir} (process ${pid}); nothing was started or changed.`,
    'Use that one, stop it first (Ctrl-C in its terminal), or start another with a --data-dir and --port of its own.',
    `(If no npm start is running, delete ${join(dataDir, LOCK_FILE)}.)`,
  ].join('\n');
}

/** The data folder npm start was given: --data-dir, else DATA_DIR, else .data. */
export function dataDirOf(args: readonly string[], env: NodeJS.ProcessEnv): string {
  const { values } = parseArgs({ args: [...args], strict: false, options: { 'data-dir': { type: 'string' } } });
  const given = values['data-dir'];
  return resolve(typeof given === 'string' && given ? given : env.DATA_DIR || DEFAULT_DATA_DIR);
}

/** Why this npm start must not go on (another runs on its data folder), or undefined. */
export function secondStartRefusal(args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const dataDir = dataDirOf(args, env);
  const pid = holderOf(join(dataDir, LOCK_FILE));
  return pid !== undefined && pid !== process.pid ? alreadyRunning(dataDir, pid) : undefined;
}

/** Takes the data folder for this process (AlreadyRunning when another holds it); returns the release. */
export function takeStartLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  for (;;) {
    try {
      const fd = openSync(file, 'wx'); // created only if absent: two starts cannot both get it
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        if (holderOf(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = holderOf(file);
      if (pid !== undefined && pid !== process.pid) throw new AlreadyRunning(alreadyRunning(dataDir, pid));
      rmSync(file, { force: true }); // left by a process that is gone
    }
  }
}
