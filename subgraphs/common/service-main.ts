import type { RunningHttpService } from './http-server';

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} must be set.`);
    process.exit(2);
  }
  return value;
}

/** Runs a service as a process: starts it, reports readiness, and stops cleanly on a signal. */
export function runService(label: string, start: () => Promise<RunningHttpService>): void {
  start()
    .then((service) => {
      console.log(`${label} ready at ${service.url}`);
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        service.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((error: unknown) => {
      console.error(`${label} failed to start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}
