import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the generated manifests are made of: names, ports, namespaces, the image, the provinces deployed. */
const packageJson = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

export const VERSION = packageJson.version;
/** The image the Dockerfile builds; an overlay or `kustomize edit set image` points it at your registry. */
export const IMAGE = `${packageJson.name}:${VERSION}`;
export const PART_OF = packageJson.name;

/** The provinces with an overlay of their own (and in the gateway's and national's PROVINCE_URLS). Add a code, run `npm run manifests`. */
export const DEPLOYED_PROVINCES = ['32', '13', '51'];

export const NATIONAL_NAMESPACE = 'wallet-national';
export const provinceNamespace = (code: string) => `wallet-province-${code}`;
/** Where Prometheus runs (its pods may scrape every service's /metrics). */
export const MONITORING_NAMESPACE = 'monitoring';
/** Where the CloudNativePG operator runs (it talks to every database instance). */
export const CNPG_NAMESPACE = 'cnpg-system';

export type ServiceName = 'gateway' | 'national' | 'province';

export interface ServiceShape {
  name: ServiceName;
  port: number;
  script: string;
  /** The `migrate` entry point of a subgraph with a database of its own. */
  migrate?: string;
  /** The CloudNativePG cluster of its own database. */
  database?: string;
  replicas: number;
  cpu: string;
  memory: string;
}

export const SERVICES: Record<ServiceName, ServiceShape> = {
  gateway: { name: 'gateway', port: 4000, script: 'dist/gateway/main.js', replicas: 2, cpu: '500m', memory: '512Mi' },
  national: {
    name: 'national',
    port: 4001,
    script: 'dist/subgraphs/national/main.js',
    migrate: 'dist/subgraphs/national/migrate.js',
    database: 'national-db',
    replicas: 2,
    cpu: '500m',
    memory: '512Mi',
  },
  province: {
    name: 'province',
    port: 4100,
    script: 'dist/subgraphs/province/main.js',
    migrate: 'dist/subgraphs/province/migrate.js',
    database: 'province-db',
    replicas: 2,
    cpu: '250m',
    memory: '384Mi',
  },
};

/** Seconds Kubernetes waits after SIGTERM before SIGKILL: the preStop pause plus DRAIN_TIMEOUT_MS must fit in it. */
export const TERMINATION_GRACE_SECONDS = 30;
/** The pause before SIGTERM, while the endpoint is taken out of the Services (no new request is sent to a stopping copy). */
export const PRE_STOP_SECONDS = 5;
export const DRAIN_TIMEOUT_MS = 20_000;

export const labelsOf = (name: string, component: string) => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/part-of': PART_OF,
});
export const selectorOf = (name: string, component = 'server') => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/component': component,
});

export const serviceUrl = (service: ServiceShape, namespace?: string) =>
  `http://${service.name}${namespace ? `.${namespace}.svc` : ''}:${service.port}`;
export const provinceUrls = () =>
  DEPLOYED_PROVINCES.map((code) => `${code}=${serviceUrl(SERVICES.province, provinceNamespace(code))}`).join(',');

/** Files mounted into the pods. */
export const SERVICE_KEY_DIR = '/var/run/secrets/wallet';
export const SERVICE_KEY_FILE = 'service-key.jwk';
/** The key-encryption key of personal data at rest (national, provinces): a Secret of its own, mounted as a file. */
export const KEK_DIR = '/var/run/secrets/wallet-kek';
export const KEK_FILE = 'personal-data.kek';
export const TRUST_DIR = '/etc/wallet/trust';
export const TRUSTED_KEYS_FILE = 'trusted-service-keys.json';
/** The identity provider's JWKS endpoint: set yours in the overlay's ConfigMap. */
export const JWKS_URL_EXAMPLE = 'https://identity.example.org/.well-known/jwks.json';
