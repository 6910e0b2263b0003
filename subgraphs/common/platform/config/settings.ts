import { z } from 'zod';

/**
 * The building blocks of a service's configuration: each environment variable is one entry of a
 * zod shape, `NAME: wholeNumber({ min: 1 }).default(2000).describe('what it does')`, so adding a
 * variable is one line, and its documentation (docs/configuration.md, `npm run config:docs`) is
 * generated from the same entry. A variable set to the empty string counts as not set.
 */
export type SettingsShape = Record<string, z.ZodType>;

/** What the documentation says a variable accepts; `secret`: its value is never repeated in an error. */
interface SettingMeta {
  accepts: string;
  secret?: boolean;
}

const described = <T extends z.ZodType>(schema: T, meta: SettingMeta): T => schema.meta({ ...meta });

/** Any text (a name, a path). */
export const text = (accepts = 'text') => described(z.string(), { accepts });

/** Text whose value must never appear in a log line (a key, a URL with a password). */
export const secret = (accepts: string) => described(z.string(), { accepts, secret: true });

/** A URL (any scheme). */
export const url = (options: { secret?: boolean } = {}) =>
  described(
    z.string().refine((s) => URL.canParse(s), { error: 'must be a URL' }),
    { accepts: 'a URL', secret: options.secret },
  );

/** A whole number, optionally bounded. */
export function wholeNumber(options: { min?: number; max?: number } = {}) {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
  const accepts =
    min > Number.MIN_SAFE_INTEGER && max < Number.MAX_SAFE_INTEGER
      ? `a whole number from ${min} to ${max}`
      : min > Number.MIN_SAFE_INTEGER
        ? `a whole number ≥ ${min}`
        : 'a whole number';
  return described(
    z
      .string()
      .refine((s) => /^-?\d+$/.test(s.trim()) && Number(s) >= min && Number(s) <= max, { error: `must be ${accepts}` })
      .transform(Number),
    { accepts },
  );
}

/** A number (fractions allowed) greater than `above`, or at least `atLeast`. */
export function decimal(bound: { above: number } | { atLeast: number }) {
  const accepts = 'above' in bound ? `a number > ${bound.above}` : `a number ≥ ${bound.atLeast}`;
  const fits = (n: number) => ('above' in bound ? n > bound.above : n >= bound.atLeast);
  return described(
    z
      .string()
      .refine((s) => /^\d*\.?\d+$/.test(s.trim()) && fits(Number(s)), { error: `must be ${accepts}` })
      .transform(Number),
    { accepts },
  );
}

/** One of a few words. */
export const oneOf = <const Values extends readonly [string, ...string[]]>(values: Values) =>
  described(z.enum(values, { error: `must be one of ${values.join(', ')}` }), { accepts: values.join(' | ') });

/** On or off: `1` or `0`. */
export const flag = () =>
  described(
    z.enum(['0', '1'], { error: 'must be 1 or 0' }).transform((v) => v === '1'),
    { accepts: '1 | 0' },
  );

/** Text checked and turned into a value by `parse`, whose error message says what is wrong. */
export function parsedBy<T>(accepts: string, parse: (text: string) => T) {
  return described(
    z.string().transform((input, context) => {
      try {
        return parse(input);
      } catch (error) {
        context.issues.push({ code: 'custom', input, message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    }),
    { accepts },
  );
}

/** A configuration the service cannot start with: the message is one sentence naming each variable at fault. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

function metaOf(schema: z.ZodType | undefined): SettingMeta | undefined {
  let inner: z.ZodType | undefined = schema;
  while (inner) {
    const meta = z.globalRegistry.get(inner);
    if (meta && typeof meta.accepts === 'string') return meta as unknown as SettingMeta;
    inner =
      inner instanceof z.ZodDefault || inner instanceof z.ZodOptional ? (inner.def.innerType as z.ZodType) : undefined;
  }
  return undefined;
}

/**
 * Reads a service's variables from `env` once: the typed values, or a ConfigurationError such as
 * "national cannot start: RECOVERY_INTERVAL_MS must be a whole number ≥ 1 (it is "soon")."
 * `check` adds rules across variables (set only one of …).
 */
export function readSettings<Shape extends SettingsShape>(
  service: string,
  shape: Shape,
  env: Record<string, string | undefined>,
  check?: (settings: z.output<z.ZodObject<Shape>>) => string | undefined,
): z.output<z.ZodObject<Shape>> {
  const given: Record<string, string> = {};
  for (const name of Object.keys(shape))
    if (env[name] !== undefined && env[name] !== '') given[name] = env[name] as string;
  const result = z.object(shape).safeParse(given);
  const faults = result.success ? [] : result.error.issues.map((issue) => fault(shape, given, issue));
  const crossing = result.success ? check?.(result.data) : undefined;
  if (crossing) faults.push(crossing);
  if (faults.length) throw new ConfigurationError(`${service} cannot start: ${faults.join('; ')}.`);
  return result.data as z.output<z.ZodObject<Shape>>;
}

function fault(shape: SettingsShape, given: Record<string, string>, issue: z.core.$ZodIssue): string {
  const name = String(issue.path[0] ?? '');
  if (!name) return issue.message;
  if (given[name] === undefined) return `${name} must be set`;
  // A message that quotes the part at fault needs no copy of the whole value; a secret is never copied.
  const shown =
    metaOf(shape[name])?.secret || issue.message.includes('"') ? '' : ` (it is ${JSON.stringify(given[name])})`;
  return `${name} ${issue.message.replace(/^Invalid input.*/, 'is not valid')}${shown}`;
}

/** A default as it would be written in the environment (a flag's `true` is `1`). */
const shownValue = (value: unknown): string => (typeof value === 'boolean' ? (value ? '1' : '0') : String(value));

/** One row of the documented table of variables. */
export interface SettingDoc {
  name: string;
  accepts: string;
  default: string;
  description: string;
}

/** What the documentation says of each variable of a shape, in the shape's order. */
export function documentSettings(shape: SettingsShape): SettingDoc[] {
  return Object.entries(shape).map(([name, schema]) => {
    const defaultValue = schema instanceof z.ZodDefault ? (schema.def.defaultValue as unknown) : undefined;
    return {
      name,
      accepts: metaOf(schema)?.accepts ?? 'text',
      default:
        defaultValue === undefined ? (schema instanceof z.ZodOptional ? '' : '(required)') : shownValue(defaultValue),
      description: schema.description ?? '',
    };
  });
}
