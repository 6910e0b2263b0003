import pino from 'pino';

/**
 * The one logger of every service: JSON lines on stdout (pino), one object per line, with the
 * service (and province) named once the process knows who it is (`nameService`). What is logged
 * never holds personal data or a credential: fields that could are censored by name (`redact`),
 * and every string is scrubbed of what looks like an ID number, a mobile number or a token, so a
 * database or library message that quotes a value cannot leak it either.
 */
const REDACTED = '[redacted]';

/** Field names that hold personal data or credentials, wherever they appear one level down. */
const PERSONAL_FIELDS = ['idNumber', 'name', 'phone', 'token', 'authorization', 'password', 'variables', 'query'];

const SCRUBBED: readonly [RegExp, string][] = [
  [/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[token]'], // a JWT (every token of the platform is one)
  [/\b(bearer)\s+[^\s"',;]+/gi, '$1 [token]'],
  [/\b\d{17}[\dXx]\b/g, '[id number]'], // GB 11643
  [/(?<![\w.])1[3-9]\d{9}(?![\w.])/g, '[phone]'], // a mainland mobile number
];

/** A text with anything that looks like an ID number, a mobile number or a token replaced. */
export function scrub(text: string): string {
  let scrubbed = text;
  for (const [pattern, replacement] of SCRUBBED) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}

const scrubValue = (value: unknown): unknown => (typeof value === 'string' ? scrub(value) : value);

function scrubFields(fields: object): object {
  if (fields instanceof Error) return { error: scrub(fields.message) };
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, scrubValue(value)]));
}

/** A logger with these rules, writing to `destination` (stdout by default). */
export function createLogger(destination?: pino.DestinationStream): pino.Logger {
  return pino(OPTIONS, destination as pino.DestinationStream);
}

const OPTIONS: pino.LoggerOptions = {
  level: 'info', // the service's LOG_LEVEL once it has read its configuration (setLogLevel)
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  redact: { paths: [...PERSONAL_FIELDS, ...PERSONAL_FIELDS.map((f) => `*.${f}`)], censor: REDACTED },
  hooks: {
    logMethod(args, method) {
      const scrubbed = args.map((arg) =>
        typeof arg === 'object' && arg !== null ? scrubFields(arg) : scrubValue(arg),
      );
      method.apply(this, scrubbed as Parameters<typeof method>);
    },
  },
};

export const log = createLogger();

/** The least severe lines written from now on (LOG_LEVEL). */
export function setLogLevel(level: pino.LevelWithSilent): void {
  log.level = level;
}

/** Names the service in every line from now on (`service`, and `province` for a provincial deployment). */
export function nameService(bindings: { service: string; province?: string }): void {
  log.setBindings(bindings);
}

/**
 * Node's process warnings (a deprecation, a listener leak) as log lines too, instead of the plain
 * text Node writes to stderr by default: every line a service writes is then a JSON entry.
 */
export function logProcessWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) =>
    log.warn(
      { warning: warning.name, code: (warning as NodeJS.ErrnoException).code, error: warning.message },
      'process warning',
    ),
  );
}

/** The message of an error, for a log field. */
export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
