import { inspect, parseArgs, type ParseArgsConfig } from 'node:util';
import { isProvinceCode, PROVINCES, provincesOf } from '../subgraphs/common/domain/reference-data';

/**
 * What the command-line scripts (npm start, npm run token, npm run keys) share: strict options,
 * each refused in one plain sentence before anything is started or written (exit code 2), and
 * failures said as what went wrong (exit code 1), never as a stack trace or "undefined".
 */
export class UsageError extends Error {}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
type Config<T extends OptionsConfig> = { args: string[]; options: T; strict: true; allowPositionals: false };

function plainly(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const option = /'(--?[\w-]+)/.exec(message ?? '')?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(message ?? '')?.[1] ?? ''}: every value follows its option, e.g. --port 4000`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(message ?? '') ? `${option} takes no value` : `${option} needs a value`;
    default:
      return message ?? String(error);
  }
}

/**
 * The options of a script, strictly: unknown options and stray arguments are refused. A value
 * that begins with a dash ("--ttl -5") is taken as its option's value, so that the value is what
 * gets judged, unless it is itself one of the options.
 */
export function parseOptions<T extends OptionsConfig>(
  options: T,
  args: readonly string[],
): ReturnType<typeof parseArgs<Config<T>>>['values'] {
  const names = new Set(Object.keys(options).map((name) => `--${name}`));
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [arg, next] = [args[i], args[i + 1]];
    const takesValue = names.has(arg) && options[arg.slice(2)].type === 'string';
    if (takesValue && next?.startsWith('-') && !names.has(next.split('=')[0])) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  try {
    return parseArgs<Config<T>>({ args: joined, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(plainly(error));
  }
}

/** A whole number from min to max written in digits, or a UsageError that says what the option takes. */
export function wholeNumber(text: string, option: string, min: number, max: number, what: string): number {
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`${option} ${JSON.stringify(text)} is not ${what}`);
  return value;
}

/** A comma-separated list of GB/T 2260 province codes, none twice, at least one. */
export function provinceCodes(text: string, option: string): string[] {
  if (text.trim() === 'all') return provincesOf('all');
  const codes = text.split(',').map((code) => code.trim());
  if (codes.every((code) => code === '')) {
    throw new UsageError(`${option} names no province: give one or more GB/T 2260 codes, e.g. ${option} 32,13,51`);
  }
  const seen = new Set<string>();
  for (const code of codes) {
    if (!isProvinceCode(code)) {
      throw new UsageError(
        `${option}: ${JSON.stringify(code)} is not a GB/T 2260 province code (${PROVINCES.map((p) => p.code).join(' ')})`,
      );
    }
    if (seen.has(code)) throw new UsageError(`${option}: province ${code} is listed twice`);
    seen.add(code);
  }
  return codes;
}

/** Runs a script's main: a UsageError is said with where the options are listed (exit 2), any other failure plainly (exit 1). */
export function runScript(main: () => Promise<void>, helpCommand: string): void {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n(${helpCommand} lists the options)`);
      process.exit(2);
    }
    console.error(error instanceof Error && error.message ? error.message : inspect(error));
    process.exit(1);
  });
}
