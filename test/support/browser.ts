import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * The browser tests' one browser: Debian's chromium driven by playwright-core, headless, with
 * nothing of its own going to the network. Without chromium a browser test fails (`.ci/run`
 * installs it); CHROMIUM_PATH names another binary; BROWSER_TEST=skip skips the browser tests,
 * loudly, on a machine that cannot have one.
 */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  (p): p is string => !!p,
);
const executablePath = CANDIDATES.find((path) => existsSync(path));

/** Whether this file's browser tests are skipped (says so loudly once). */
export function skipBrowser(file: string): boolean {
  const skip = !executablePath && process.env.BROWSER_TEST === 'skip';
  if (skip) console.error(`\n!!! ${file}: NO BROWSER, AND BROWSER_TEST=skip: NOT tested in a browser !!!\n`);
  return skip;
}

export async function launchBrowser(): Promise<Browser> {
  if (!executablePath) {
    throw new Error(
      `no chromium at ${CANDIDATES.join(' or ')}: apt-get install -y chromium (or set CHROMIUM_PATH; BROWSER_TEST=skip skips the browser tests)`,
    );
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--lang=zh-CN',
    ],
  });
}

export interface Visit {
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  /** Script errors, console errors and CSP violations. */
  problems: string[];
}

export interface VisitOptions {
  viewport?: { width: number; height: number };
  /** The browser's time zone (an IANA name); the machine's by default. */
  timezoneId?: string;
}

/** Opens a fresh browser context (its own storage) at `url`, recording requests, errors and CSP violations. */
export async function visit(browser: Browser, url: string, options: VisitOptions = {}): Promise<Visit> {
  const { viewport = { width: 1440, height: 1000 }, timezoneId } = options;
  const context = await browser.newContext({
    viewport,
    locale: 'zh-CN',
    serviceWorkers: 'block',
    timezoneId,
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const visited: Visit = { page, requests: [], problems: [] };
  page.on('request', (request) => visited.requests.push(request.url()));
  page.on('pageerror', (error) => visited.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') visited.problems.push(`console: ${message.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await page.goto(url);
  return visited;
}

/** The requests that went anywhere but `origin`. */
export const elsewhere = (visited: Visit, origin: string) =>
  visited.requests.filter((url) => new URL(url).origin !== origin);
