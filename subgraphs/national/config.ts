import {
  breakerSettings,
  oneSourceEach,
  personalDataSettings,
  platformClockSettings,
  provinceUrls,
  sharedSettings,
} from '../common/platform/config/shared';
import { oneOf, readSettings, url, wholeNumber } from '../common/platform/config/settings';
import { CRASH_POINTS } from '../common/platform/crash-point';
import { configurationOnce } from '../common/platform/service-main';

/** National's variables (with the shared ones): the one place national reads its environment. */
export const nationalSettings = {
  ...sharedSettings,
  PORT: wholeNumber({ min: 0, max: 65535 }).default(0).describe('The port (0: any free port).'),
  DATABASE_URL: url({ secret: true }).describe("The service's own PostgreSQL database."),
  PROVINCE_URLS: provinceUrls()
    .optional()
    .describe('The provincial deployments national calls: `32=http://host:port,13=…`.'),
  RECOVERY_INTERVAL_MS: wholeNumber({ min: 1 })
    .default(2000)
    .describe('How often national looks for unfinished operations to finish (ms).'),
  RECOVERY_GRACE_SECONDS: wholeNumber({ min: 0 })
    .default(5)
    .describe('How old an unfinished operation must be before recovery takes it over (s).'),
  RECONCILIATION_INTERVAL_MS: wholeNumber({ min: 1 })
    .default(900_000)
    .describe('R20: how often national reconciles every province and keeps the outcome for /metrics (ms).'),
  ACCESS_FORWARD_INTERVAL_MS: wholeNumber({ min: 1 })
    .default(1000)
    .describe("R32: how often staff reads of national data are forwarded to the members' provinces (ms)."),
  ...personalDataSettings,
  ...platformClockSettings,
  ...breakerSettings,
  CRASH_AT: oneOf(CRASH_POINTS.national)
    .meta({ accepts: 'a crash point of CRASH_POINTS.national' })
    .optional()
    .describe('Failure tests only: the process kills itself at this point (`operation:before|after`).'),
};

export const readNationalSettings = (env: Record<string, string | undefined> = process.env) =>
  readSettings('national', nationalSettings, env, oneSourceEach);

export type NationalSettings = ReturnType<typeof readNationalSettings>;

/** National's configuration, read once at start. */
export const nationalConfig = configurationOnce(() => readNationalSettings());

/** What the `migrate` entry point reads: the database only. */
export const nationalMigrateConfig = configurationOnce(() =>
  readSettings('national migrations', { DATABASE_URL: nationalSettings.DATABASE_URL }, process.env),
);
