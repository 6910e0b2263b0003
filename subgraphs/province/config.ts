import {
  oneSourceEach,
  personalDataSettings,
  platformClockSettings,
  sharedSettings,
} from '../common/platform/config/shared';
import { oneOf, parsedBy, readSettings, url, wholeNumber } from '../common/platform/config/settings';
import { CRASH_POINTS } from '../common/platform/crash-point';
import { configurationOnce } from '../common/platform/service-main';

/** A province's variables (with the shared ones): the one place a provincial deployment reads its environment. */
export const provinceSettings = {
  ...sharedSettings,
  PROVINCE: parsedBy('a two-digit province code', provinceCode).describe('The province this deployment serves (`32`).'),
  PORT: wholeNumber({ min: 0, max: 65535 }).default(0).describe('The port (0: any free port).'),
  DATABASE_URL: url({ secret: true }).describe("The service's own PostgreSQL database."),
  ...personalDataSettings,
  ...platformClockSettings,
  CRASH_AT: oneOf(CRASH_POINTS.province as [string, ...string[]])
    .meta({ accepts: 'a crash point of CRASH_POINTS.province' })
    .optional()
    .describe('Failure tests only: the process kills itself at this point (`operation:before|after`).'),
};

function provinceCode(text: string): string {
  if (!/^\d{2}$/.test(text)) throw new Error('must be a two-digit province code');
  return text;
}

export const readProvinceSettings = (env: Record<string, string | undefined> = process.env) =>
  readSettings('province', provinceSettings, env, oneSourceEach);

export type ProvinceSettings = ReturnType<typeof readProvinceSettings>;

/** The province's configuration, read once at start. */
export const provinceConfig = configurationOnce(() => readProvinceSettings());

/** What the `migrate` entry point reads: the database only. */
export const provinceMigrateConfig = configurationOnce(() =>
  readSettings('province migrations', { DATABASE_URL: provinceSettings.DATABASE_URL }, process.env),
);
