import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The project's command-line scripts, run as a person runs them: real processes, their exit codes and output. */
export const PROJECT = join(__dirname, '..', '..', '..');
export const script = (name: string) => join(PROJECT, 'dist', 'scripts', `${name}.js`);
export const LAUNCH = join(PROJECT, 'scripts', 'launch.cjs');

/** What a test must not inherit from the shell that runs it: the scripts' own environment variables. */
const SCRIPT_ENV = ['PROVINCES', 'GATEWAY_PORT', 'DATA_DIR', 'PGPORT', 'TOKEN_ISSUER', 'TOKEN_AUDIENCE'];

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** With `terminal`, the process leads a process group of its own, as in a terminal: see pressCtrlC(). */
export function start(file: string, args: string[], env: Record<string, string> = {}, terminal = false): Running {
  const environment = { ...process.env };
  for (const name of SCRIPT_ENV) delete environment[name];
  const child = spawn(process.execPath, [file, ...args], {
    cwd: PROJECT,
    env: { ...environment, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: terminal,
  });
  let [out, err] = ['', ''];
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** What Ctrl-C in a terminal does: SIGINT to every process of the group (the script, its services, its database). */
export function pressCtrlC(running: Running): void {
  if (running.child.pid !== undefined && running.child.exitCode === null) process.kill(-running.child.pid, 'SIGINT');
}

/** Runs a script to its end: exit code, stdout and stderr. */
export async function run(file: string, args: string[], env: Record<string, string> = {}) {
  const running = start(file, args, env);
  const code = await running.exited;
  return { code, stdout: running.stdout(), stderr: running.stderr() };
}

/** Processes of this machine whose command line or environment contains any of the texts (Linux /proc). */
export function processesMentioning(texts: readonly string[]): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)) {
    for (const file of ['cmdline', 'environ']) {
      let content: string;
      try {
        content = ` ${readFileSync(`/proc/${pid}/${file}`, 'utf8').replace(/\0/g, ' ')} `; // ' PORT=4100 ' matches that entry only
      } catch {
        continue; // gone meanwhile, or not ours to read
      }
      const text = texts.find((t) => content.includes(t));
      if (text) {
        found.push(`process ${pid} (${file} mentions ${text})`);
        break;
      }
    }
  }
  return found;
}
