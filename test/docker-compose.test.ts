import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

/** docker-compose.yml is only parsed here (no Docker engine needed): wiring, databases, provinces, scripts. */
const ROOT = join(__dirname, '..', '..'); // this file runs from dist/test
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');

interface Service {
  image?: string;
  profiles?: string[];
  volumes?: string[];
  ports?: string[];
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
}
interface Compose {
  services: Record<string, Service>;
}

function loadCompose(text = readFileSync(COMPOSE_FILE, 'utf8')): Compose {
  const compose = parse(text, { merge: true }) as Compose; // compose files may use `<<: *anchor`
  assert.ok(compose?.services && typeof compose.services === 'object', 'no services in docker-compose.yml');
  return compose;
}

/** Compose variable substitution: `${X:-default}` takes the default, other forms a placeholder. */
function interpolate(value: string): string {
  return value
    .replace(/\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g, (_all, name: string, op?: string, word?: string) =>
      op?.endsWith('-') ? (word ?? '') : `sample-${name.toLowerCase()}`,
    )
    .replace(/\$\$/g, '$');
}

function envOf(service: Service): Record<string, string> {
  const raw = service.environment ?? {};
  const pairs = Array.isArray(raw)
    ? raw.map((line): [string, string] => [line.split('=')[0], line.slice(line.indexOf('=') + 1)])
    : Object.entries(raw).map(([key, value]): [string, string] => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(pairs.map(([key, value]) => [key, interpolate(value)]));
}

const dependenciesOf = (service: Service): string[] =>
  Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
const urlsIn = (value: string): URL[] => (value.match(/[a-z][a-z0-9+.-]*:\/\/[^\s,]+/gi) ?? []).map((u) => new URL(u));
const provinceServices = (compose: Compose): string[] =>
  Object.keys(compose.services).filter((n) => /^province-\d{2}$/.test(n));

/** "32=http://province-32:4100,..." → URL by province code (the format parseProvinceUrls reads). */
function provinceUrls(value: string | undefined): Record<string, URL> {
  assert.ok(value, 'PROVINCE_URLS is not set');
  const entries = value.split(',').map((pair) => pair.trim().split('='));
  for (const entry of entries) assert.match(entry[0] ?? '', /^\d{2}$/, `bad PROVINCE_URLS entry ${entry.join('=')}`);
  return Object.fromEntries(entries.map(([code, url]) => [code, new URL(url)]));
}

function checkReferences(compose: Compose): void {
  const names = new Set(Object.keys(compose.services));
  for (const [name, service] of Object.entries(compose.services)) {
    for (const dependency of dependenciesOf(service)) {
      assert.ok(names.has(dependency), `${name} depends on ${dependency}, which is not a service`);
    }
    for (const [key, value] of Object.entries(envOf(service))) {
      for (const url of urlsIn(value)) {
        assert.ok(names.has(url.hostname), `${name} ${key} points at ${url.hostname}, which is not a service`);
        const target = compose.services[url.hostname];
        const port = target.image?.startsWith('postgres') ? '5432' : envOf(target).PORT;
        assert.equal(url.port, port, `${name} ${key}: ${url.hostname} listens on port ${port}`);
      }
    }
  }
}

function checkDatabases(compose: Compose): void {
  const deployments = [...provinceServices(compose), 'national'];
  const hosts = new Map<string, string>();
  const databases = new Map<string, string>();
  for (const name of deployments) {
    assert.ok(compose.services[name], `no ${name} service`);
    const value = envOf(compose.services[name]).DATABASE_URL;
    assert.ok(value, `${name} has no DATABASE_URL`);
    const url = new URL(value);
    const host = compose.services[url.hostname];
    assert.ok(
      host?.image?.startsWith('postgres'),
      `${name} DATABASE_URL host ${url.hostname} is not a postgres service`,
    );
    const database = url.pathname.slice(1);
    assert.equal(envOf(host).POSTGRES_DB, database, `${url.hostname} does not create database ${database} of ${name}`);
    assert.ok(!hosts.has(url.hostname), `${name} shares ${url.hostname} with ${hosts.get(url.hostname)}`);
    assert.ok(!databases.has(database), `${name} shares database ${database} with ${databases.get(database)}`);
    hosts.set(url.hostname, name);
    databases.set(database, name);
  }
}

function checkProvinces(compose: Compose): void {
  const provinces = provinceServices(compose);
  assert.ok(provinces.length > 0, 'no province-XX services');
  for (const name of provinces)
    assert.equal(envOf(compose.services[name]).PROVINCE, name.slice(-2), `${name} PROVINCE`);
  const codes = provinces.map((name) => name.slice(-2)).sort();
  for (const consumer of ['national', 'gateway']) {
    assert.ok(compose.services[consumer], `no ${consumer} service`);
    const urls = provinceUrls(envOf(compose.services[consumer]).PROVINCE_URLS);
    assert.deepEqual(Object.keys(urls).sort(), codes, `${consumer} PROVINCE_URLS provinces`);
    for (const [code, url] of Object.entries(urls)) {
      assert.equal(url.hostname, `province-${code}`, `${consumer} PROVINCE_URLS entry ${code}`);
      assert.equal(url.pathname, '/', `${consumer} PROVINCE_URLS entry ${code} must be a base URL`);
    }
  }
}

function checkCommands(compose: Compose): void {
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.command === undefined && service.build === undefined) continue; // a stock image, e.g. postgres
    assert.ok(service.command, `${name} builds the project image but has no command`);
    const words = typeof service.command === 'string' ? service.command.trim().split(/\s+/) : service.command;
    assert.equal(words[0], 'node', `${name} command must run node`);
    const script = /^dist\/(.+)\.js$/.exec(words[1] ?? '');
    assert.ok(script, `${name} command does not run a compiled script: ${words.join(' ')}`);
    assert.ok(
      existsSync(join(ROOT, `${script[1]}.ts`)),
      `${name} runs ${words[1]}, but ${script[1]}.ts does not exist`,
    );
  }
}

/** The variable that holds a Node service's own private key: GATEWAY_SERVICE_KEY, NATIONAL_SERVICE_KEY, PROVINCE_32_SERVICE_KEY. */
const ownKeyVariable = (name: string) => `${name.replace('-', '_').toUpperCase()}_SERVICE_KEY`;

/** No deployment's configuration holds anything that signs for another party: its own private key, public keys otherwise. */
function checkKeys(compose: Compose): void {
  const raw = readFileSync(COMPOSE_FILE, 'utf8');
  assert.ok(!raw.includes('AUTH_SECRET'), 'no shared secret');
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.command === undefined) continue;
    const environment = Object.entries((service.environment ?? {}) as Record<string, string>).map(([k, v]) => [
      k,
      String(v ?? ''),
    ]);
    const keyVariables = environment.flatMap(([, value]) =>
      [...value.matchAll(/\$\{(\w+_SERVICE_KEY)\b/g)].map((m) => m[1]),
    );
    assert.deepEqual(keyVariables, [ownKeyVariable(name)], `${name} is given its own private key and no other`);
    assert.equal(
      environment.filter(([key]) => ['JWKS', 'JWKS_FILE', 'JWKS_URL'].includes(key)).length,
      1,
      `${name}: the identity provider's public keys`,
    );
    assert.match(
      Object.fromEntries(environment).JWKS ?? Object.fromEntries(environment).JWKS_URL ?? '',
      /IDENTITY_JWKS|^https?:/,
      `${name}: public keys only`,
    );
  }
}

const PROMETHEUS_FILE = join(ROOT, 'observability', 'prometheus.yml');
const OBSERVABILITY = 'observability';
/** What docs/operations.md (and the header of docker-compose.yml) tells an operator to set with the profile. */
const PROFILE_ENV = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' };

const nodeServices = (compose: Compose): string[] =>
  Object.keys(compose.services).filter((name) => compose.services[name].build !== undefined);
const inProfile = (service: Service) => service.profiles?.includes(OBSERVABILITY) ?? false;

function scrapeTargets(text = readFileSync(PROMETHEUS_FILE, 'utf8')): string[] {
  const config = parse(text) as {
    scrape_configs?: { metrics_path?: string; static_configs?: { targets?: string[] }[] }[];
  };
  return (config.scrape_configs ?? []).flatMap((job) => {
    assert.equal(job.metrics_path ?? '/metrics', '/metrics', 'the services serve their metrics at /metrics');
    return (job.static_configs ?? []).flatMap((c) => c.targets ?? []);
  });
}

/**
 * The `observability` profile: Prometheus (mounting observability/prometheus.yml) scrapes every
 * Node service on its port, Jaeger receives traces; the platform itself belongs to no profile, and
 * every Node service passes OTEL_EXPORTER_OTLP_ENDPOINT through, empty (tracing off) by default.
 */
function checkObservability(compose: Compose, targets: string[]): void {
  const { prometheus, jaeger } = compose.services;
  assert.ok(
    prometheus && inProfile(prometheus) && prometheus.image?.startsWith('prom/prometheus:'),
    `prometheus in profile ${OBSERVABILITY}`,
  );
  assert.ok(
    jaeger && inProfile(jaeger) && jaeger.image?.startsWith('jaegertracing/jaeger:'),
    `jaeger in profile ${OBSERVABILITY}`,
  );
  assert.ok(
    prometheus.volumes?.some((v) => v.startsWith('./observability/prometheus.yml:/etc/prometheus/prometheus.yml')),
    'prometheus reads observability/prometheus.yml',
  );
  for (const name of [
    ...nodeServices(compose),
    ...Object.keys(compose.services).filter((n) => compose.services[n].image?.startsWith('postgres')),
  ]) {
    assert.ok(!compose.services[name].profiles, `${name} runs without any profile`);
  }
  const wanted = nodeServices(compose)
    .map((name) => `${name}:${envOf(compose.services[name]).PORT}`)
    .sort();
  assert.deepEqual([...targets].sort(), wanted, 'prometheus scrapes every service of the platform on its port');
  for (const name of nodeServices(compose)) {
    const raw = (compose.services[name].environment ?? {}) as Record<string, string>;
    assert.equal(
      raw.OTEL_EXPORTER_OTLP_ENDPOINT,
      '${OTEL_EXPORTER_OTLP_ENDPOINT:-}',
      `${name}: traces go where OTEL_EXPORTER_OTLP_ENDPOINT says, nowhere by default`,
    );
    assert.equal(envOf(compose.services[name]).OTEL_EXPORTER_OTLP_ENDPOINT, '', `${name}: tracing off by default`);
  }
  const endpoint = new URL(PROFILE_ENV.OTEL_EXPORTER_OTLP_ENDPOINT);
  assert.ok(inProfile(compose.services[endpoint.hostname]), `${endpoint.hostname} is a service of the profile`);
  assert.equal(endpoint.port, '4318', 'OTLP over HTTP');
  assert.ok(
    readFileSync(COMPOSE_FILE, 'utf8').includes(
      `OTEL_EXPORTER_OTLP_ENDPOINT=${PROFILE_ENV.OTEL_EXPORTER_OTLP_ENDPOINT}`,
    ),
    'the header says what to set',
  );
  assert.ok(
    readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8').includes(
      `OTEL_EXPORTER_OTLP_ENDPOINT=${PROFILE_ENV.OTEL_EXPORTER_OTLP_ENDPOINT}`,
    ),
    'docs/operations.md says what to set',
  );
}

const CHECKS = [
  checkReferences,
  checkDatabases,
  checkProvinces,
  checkCommands,
  checkKeys,
  (compose: Compose) => checkObservability(compose, scrapeTargets()),
];

test('docker-compose.yml: every dependency and every URL host is a service of the file', () =>
  checkReferences(loadCompose()));
test('docker-compose.yml: each deployment has its own database on its own postgres', () =>
  checkDatabases(loadCompose()));
test('docker-compose.yml: provinces match PROVINCE and both PROVINCE_URLS', () => checkProvinces(loadCompose()));
test('docker-compose.yml: every command runs a script of the build', () => checkCommands(loadCompose()));

test("docker-compose.yml: each deployment holds its own private key only, and the identity provider's public keys", () =>
  checkKeys(loadCompose()));

test('docker-compose.yml: the observability profile scrapes every service and receives their traces; tracing is off without it', () =>
  checkObservability(loadCompose(), scrapeTargets()));

test('the checks reject a Prometheus configuration that misses a service', () => {
  const text = readFileSync(PROMETHEUS_FILE, 'utf8');
  for (const [from, to] of [
    ['- province-51:4100\n', ''],
    ['national:4001', 'national:4100'],
    ['metrics_path: /metrics', 'metrics_path: /stats'],
  ]) {
    assert.ok(text.includes(from), `breakage anchor "${from}" not found`);
    assert.throws(
      () => checkObservability(loadCompose(), scrapeTargets(text.replace(from, to))),
      assert.AssertionError,
      `not caught: ${to}`,
    );
  }
});

test('the checks reject a broken docker-compose.yml', () => {
  const text = readFileSync(COMPOSE_FILE, 'utf8');
  const breakages: [string, string][] = [
    ['@postgres-13:5432/province_13', '@postgres-32:5432/province_32'], // two deployments share a database
    ['NATIONAL_URL: http://national:', 'NATIONAL_URL: http://nationale:'], // unknown host
    ['PROVINCE: "51"', 'PROVINCE: "52"'], // PROVINCE differs from the service name
    ['dist/subgraphs/national/main.js', 'dist/subgraphs/nationwide/main.js'], // no such script
    ['${PROVINCE_51_SERVICE_KEY:', '${NATIONAL_SERVICE_KEY:'], // a province holds national's private key
    ['profiles: [observability]\n    restart: unless-stopped\n    volumes:', 'restart: unless-stopped\n    volumes:'], // prometheus always runs
    ['${OTEL_EXPORTER_OTLP_ENDPOINT:-}', '${OTEL_EXPORTER_OTLP_ENDPOINT:-http://jaeger:4318}'], // traces sent without the profile
  ];
  for (const [from, to] of breakages) {
    assert.ok(text.includes(from), `breakage anchor "${from}" not found`);
    const broken = loadCompose(text.replaceAll(from, to));
    assert.throws(() => CHECKS.forEach((check) => check(broken)), assert.AssertionError, `not caught: ${to}`);
  }
});
