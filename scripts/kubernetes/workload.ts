import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ConfigMap,
  type IContainer,
  type IEnvVar,
  type IPodSecurityContext,
  type IPodSpec,
  type ISecurityContext,
  type IVolume,
  type IVolumeMount,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import {
  DRAIN_TIMEOUT_MS,
  IMAGE,
  JWKS_URL_EXAMPLE,
  KEK_DIR,
  KEK_FILE,
  labelsOf,
  PRE_STOP_SECONDS,
  SERVICE_KEY_DIR,
  SERVICE_KEY_FILE,
  selectorOf,
  type ServiceShape,
  TERMINATION_GRACE_SECONDS,
  TRUST_DIR,
  TRUSTED_KEYS_FILE,
  VERSION,
} from './settings';

/** The uid and gid of the `node` user of the image (Dockerfile: USER node). */
const NODE_USER = 1000;

/** Restricted Pod Security Standard: non-root, no privilege escalation, no capability, the runtime's seccomp profile. */
const podSecurity: IPodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: NODE_USER,
  runAsGroup: NODE_USER,
  fsGroup: NODE_USER,
  seccompProfile: { type: 'RuntimeDefault' },
};
const containerSecurity: ISecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

const databaseUrl = (database: string, name = 'DATABASE_URL'): IEnvVar => ({
  name,
  // CloudNativePG keeps the application user's connection string (to the read-write Service) in <cluster>-app.
  valueFrom: { secretKeyRef: { name: `${database}-app`, key: 'uri' } },
});

/**
 * What every copy of a service mounts: a writable /tmp (the root filesystem is read-only), its private key, the peers it trusts
 * and, for a service with a database, the key-encryption key of its personal data (owner-read only: the service refuses a KEK others may read).
 */
function mounts(service: ServiceShape, trusts: boolean): { volumes: IVolume[]; volumeMounts: IVolumeMount[] } {
  const volumes: IVolume[] = [
    { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    {
      name: 'service-key',
      secret: {
        secretName: `${service.name}-service-key`,
        defaultMode: 0o440,
        items: [{ key: SERVICE_KEY_FILE, path: SERVICE_KEY_FILE }],
      },
    },
  ];
  const volumeMounts: IVolumeMount[] = [
    { name: 'tmp', mountPath: '/tmp' },
    { name: 'service-key', mountPath: SERVICE_KEY_DIR, readOnly: true },
  ];
  if (service.database) {
    volumes.push({
      name: 'kek',
      secret: { secretName: `${service.name}-kek`, defaultMode: 0o400, items: [{ key: KEK_FILE, path: KEK_FILE }] },
    });
    volumeMounts.push({ name: 'kek', mountPath: KEK_DIR, readOnly: true });
  }
  if (trusts) {
    volumes.push({ name: 'trust', configMap: { name: `${service.name}-trust` } });
    volumeMounts.push({ name: 'trust', mountPath: TRUST_DIR, readOnly: true });
  }
  return { volumes, volumeMounts };
}

export function serviceAccount(service: ServiceShape): ServiceAccount {
  return new ServiceAccount({
    metadata: { name: service.name, labels: labelsOf(service.name, 'server') },
    automountServiceAccountToken: false,
  });
}

/** The settings every copy reads (envFrom); the private key is not here: it is a Secret mounted as a file. */
export function configMap(service: ServiceShape, settings: Record<string, string>): ConfigMap {
  return new ConfigMap({
    metadata: { name: `${service.name}-config`, labels: labelsOf(service.name, 'server') },
    data: {
      HOST: '0.0.0.0',
      PORT: String(service.port),
      NODE_ENV: 'production',
      PLAIN_INTERNAL_HTTP: '1', // internal calls stay http: in the cluster (a mesh sidecar may add mTLS); docs/cryptography.md
      JWKS_URL: JWKS_URL_EXAMPLE,
      SERVICE_KEY_FILE: `${SERVICE_KEY_DIR}/${SERVICE_KEY_FILE}`,
      DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS),
      ...settings,
    },
  });
}

/** The public keys of the deployments this one accepts internal calls from (`npm run keys` prints them); public, so a ConfigMap. */
export function trustConfigMap(service: ServiceShape, keysJson: string): ConfigMap {
  return new ConfigMap({
    metadata: { name: `${service.name}-trust`, labels: labelsOf(service.name, 'server') },
    data: { [TRUSTED_KEYS_FILE]: keysJson },
  });
}

export interface DeploymentOptions {
  /** Reads TRUSTED_SERVICE_KEYS_FILE (national, provinces); the gateway accepts no internal call. */
  trusts: boolean;
  /** ConfigMaps of the overlay read after the service's own (a province's code). */
  moreConfig?: string[];
  env?: IEnvVar[];
}

function container(service: ServiceShape, options: DeploymentOptions, volumeMounts: IVolumeMount[]): IContainer {
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: 'http' },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold,
  });
  return {
    name: service.name,
    image: IMAGE,
    imagePullPolicy: 'IfNotPresent',
    command: ['node', service.script],
    ports: [{ name: 'http', containerPort: service.port, protocol: 'TCP' }],
    envFrom: [service.name, ...(options.moreConfig ?? [])].map((name, i) => ({
      configMapRef: { name: i === 0 ? `${name}-config` : name },
    })),
    env: [
      ...(service.database
        ? [databaseUrl(service.database), { name: 'PII_KEK_FILE', value: `${KEK_DIR}/${KEK_FILE}` }]
        : []),
      ...(options.trusts ? [{ name: 'TRUSTED_SERVICE_KEYS_FILE', value: `${TRUST_DIR}/${TRUSTED_KEYS_FILE}` }] : []),
      ...(options.env ?? []),
    ],
    // Start: migrations and the schema take a while; then liveness asks the process only, readiness its database and keys.
    startupProbe: probe('/health/live', 2, 60),
    livenessProbe: probe('/health/live', 10, 3),
    readinessProbe: probe('/health/ready', 5, 2),
    // Kubernetes takes the copy out of its Services while this runs; SIGTERM follows, and the service drains.
    lifecycle: { preStop: { exec: { command: ['sleep', String(PRE_STOP_SECONDS)] } } },
    resources: { requests: { cpu: service.cpu, memory: service.memory }, limits: { memory: service.memory } },
    securityContext: containerSecurity,
    volumeMounts,
  };
}

export function deployment(service: ServiceShape, options: DeploymentOptions): Deployment {
  const { volumes, volumeMounts } = mounts(service, options.trusts);
  const spec: IPodSpec = {
    serviceAccountName: service.name,
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
    securityContext: podSecurity,
    containers: [container(service, options, volumeMounts)],
    volumes,
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: selectorOf(service.name) },
      },
    ],
  };
  return new Deployment({
    metadata: { name: service.name, labels: labelsOf(service.name, 'server') },
    spec: {
      replicas: service.replicas,
      selector: { matchLabels: selectorOf(service.name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: { metadata: { labels: labelsOf(service.name, 'server') }, spec },
    },
  });
}

export function service(shape: ServiceShape): Service {
  return new Service({
    metadata: { name: shape.name, labels: labelsOf(shape.name, 'server') },
    spec: {
      selector: selectorOf(shape.name),
      ports: [{ name: 'http', port: shape.port, targetPort: 'http', protocol: 'TCP' }],
    },
  });
}

export function disruptionBudget(service: ServiceShape): PodDisruptionBudget {
  return new PodDisruptionBudget({
    metadata: { name: service.name, labels: labelsOf(service.name, 'server') },
    spec: { minAvailable: 1, selector: { matchLabels: selectorOf(service.name) } },
  });
}

export function autoscaler(service: ServiceShape, maxReplicas: number): HorizontalPodAutoscaler {
  return new HorizontalPodAutoscaler({
    metadata: { name: service.name, labels: labelsOf(service.name, 'server') },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: service.name },
      minReplicas: service.replicas,
      maxReplicas,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  });
}

/**
 * The schema migrations of this version, run once before its copies roll out (a Job per version:
 * a Job's pod template cannot change). Argo CD runs it as a PreSync hook; with kubectl, apply it
 * first and wait (docs/deployment.md).
 */
export function migrationJob(service: ServiceShape): Job {
  if (!service.migrate || !service.database) throw new Error(`${service.name} has no database to migrate`);
  const name = `${service.name}-migrate-v${VERSION.replace(/\./g, '-')}`;
  return new Job({
    metadata: {
      name,
      labels: labelsOf(service.name, 'migration'),
      annotations: {
        'argocd.argoproj.io/hook': 'PreSync',
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      },
    },
    spec: {
      backoffLimit: 3,
      activeDeadlineSeconds: 600,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: labelsOf(service.name, 'migration') },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: podSecurity,
          containers: [
            {
              name: 'migrate',
              image: IMAGE,
              command: ['node', service.migrate],
              env: [databaseUrl(service.database)],
              resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { memory: '192Mi' } },
              securityContext: containerSecurity,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }],
        },
      },
    },
  });
}
