import type { RunningHttpService } from './http-server';
import { errorText, log } from './log';
import { flushTracing } from './observability/tracing';

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    log.fatal(`${name} must be set.`);
    process.exit(2);
  }
  return value;
}

/** Runs a service as a process: starts it, reports readiness, and stops cleanly on a signal. */
export function runService(label: string, start: () => Promise<RunningHttpService>): void {
  start()
    .then((service) => {
      log.info({ url: service.url }, `${label} ready at ${service.url}`);
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        service.close().then(
          () => flushTracing().then(() => process.exit(0)),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((error: unknown) => {
      log.fatal(`${label} failed to start: ${errorText(error)}`);
      process.exit(1);
    });
}
