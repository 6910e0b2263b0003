import type { RunningHttpService } from './http-server';
import { ConfigurationError } from './config/settings';
import { errorText, log } from './log';
import { flushTracing } from './observability/tracing';

/**
 * A service's configuration, read once (at the first call, the first thing its main does): a bad
 * or missing variable stops the process with the one sentence of the ConfigurationError, exit 2.
 */
export function configurationOnce<T>(read: () => T): () => T {
  let settings: { value: T } | undefined;
  return () => {
    if (settings) return settings.value;
    try {
      settings = { value: read() };
      return settings.value;
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      log.fatal(error.message);
      process.exit(2);
    }
  };
}

/**
 * What the launcher of a service (npm start, a test cluster; cluster/service-process.ts) tells it
 * over the channel it starts it with: `ready` once the whole cluster is (npm start: the demo loaded).
 */
export interface LauncherMessage {
  ready: true;
}

/** Resolves when the launcher says the cluster is ready (never, if the service has no launcher). */
export function launcherSaysReady(): Promise<void> {
  return new Promise((resolve) => {
    const listen = (message: unknown) => {
      if ((message as Partial<LauncherMessage> | null)?.ready !== true) return;
      process.off('message', listen);
      resolve();
    };
    process.on('message', listen);
  });
}

/**
 * Runs a service as a process: starts it, reports readiness, and stops cleanly on a signal, or
 * when the process that launched it is gone (its channel closes), so a launcher that dies, however
 * it dies, leaves no service running behind it.
 */
export function runService(label: string, start: () => Promise<RunningHttpService>): void {
  let stop: (() => void) | undefined;
  if (process.connected) process.once('disconnect', () => (stop ? stop() : process.exit(1)));
  start()
    .then((service) => {
      log.info({ url: service.url }, `${label} ready at ${service.url}`);
      let stopping = false;
      stop = () => {
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
