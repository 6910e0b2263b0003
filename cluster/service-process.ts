import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { LauncherMessage } from '../subgraphs/common/platform/service-main';

/** One service of the cluster, run as its own Node process. */
export interface ServiceProcess {
  name: string;
  port: number;
  baseUrl: string;
  child: ChildProcess;
  /** The last lines the process wrote, for error reports. */
  recentOutput(): string;
  /** Stops it gracefully (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Sends it a message over the channel between the launcher and its services (see service-main.ts). */
  tell(message: LauncherMessage): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Why a port cannot be listened on here ("in use", …), or undefined when it is free. */
export async function portProblem(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'EADDRINUSE' ? 'is in use' : `cannot be listened on (${error.code ?? error.message})`),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(undefined)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startServiceProcess(options: {
  name: string;
  script: string;
  port: number;
  env: Record<string, string>;
  onOutput?: (name: string, line: string) => void;
  readyTimeoutMs?: number;
  /** The service serves HTTPS (its baseUrl is https:). */
  https?: boolean;
  /** Told of the process as soon as it is spawned, before it is ready: whoever stops on failure stops it too. */
  onSpawn?: (service: ServiceProcess) => void;
  /** Runs it in this network namespace (`ip netns exec`, which becomes the service: same pid, same channel). */
  namespace?: string;
  /** The address it is reached at (default 127.0.0.1): its own in its namespace. */
  host?: string;
}): Promise<ServiceProcess> {
  const lines: string[] = [];
  const command = [process.execPath, ...profilingFlags(options.name), options.script];
  if (options.namespace) command.unshift('ip', 'netns', 'exec', options.namespace);
  const child = spawn(command[0], command.slice(1), {
    env: { ...process.env, ...options.env, PORT: String(options.port) },
    // The channel: messages from the launcher, and the service stops when its launcher is gone.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.channel?.unref(); // the launcher's own lifetime is not held by it
  let ready = false;
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      if (isReadyLine(line)) ready = true;
      lines.push(line);
      if (lines.length > 50) lines.shift();
      options.onOutput?.(options.name, line);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const baseUrl = `${options.https ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${options.port}`;
  const service: ServiceProcess = {
    name: options.name,
    port: options.port,
    baseUrl,
    child,
    recentOutput: () => lines.join('\n'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited(child);
      clearTimeout(timer);
    },
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    tell(message) {
      if (child.connected) child.send(message, () => undefined); // a channel closed meanwhile: nobody to tell
    },
  };
  options.onSpawn?.(service);
  await waitUntilReady(service, () => ready, options.readyTimeoutMs ?? 180_000);
  return service;
}

/**
 * Opt-in CPU profiling for the benchmark: with BENCH_CPU_PROF_DIR set, services (all, or those
 * named in BENCH_CPU_PROF_SERVICES, e.g. "gateway,province 32") run with --cpu-prof and write
 * a .cpuprofile there when they exit.
 */
function profilingFlags(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  if (!dir) return [];
  const only = process.env.BENCH_CPU_PROF_SERVICES?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (only && only.length > 0 && !only.includes(name)) return [];
  const file = `${name.replace(/[^a-z0-9]+/gi, '-')}.${Date.now()}.cpuprofile`;
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${file}`];
}

/** Logged by runService() once the service listens (its port opens only when it is ready): the message of a JSON log line. */
const READY_MARK = ' ready at http';

function isReadyLine(line: string): boolean {
  if (!line.includes(READY_MARK)) return false;
  try {
    const { msg } = JSON.parse(line) as { msg?: unknown };
    return typeof msg === 'string' && msg.includes(READY_MARK);
  } catch {
    return true; // a plain-text line (the benchmark's Hive Gateway peer)
  }
}

async function waitUntilReady(service: ServiceProcess, isReady: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      throw new Error(`${service.name} exited before it was ready:\n${service.recentOutput()}`);
    }
    if (isReady()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await service.kill();
  throw new Error(`${service.name} did not become ready within ${timeoutMs} ms:\n${service.recentOutput()}`);
}
