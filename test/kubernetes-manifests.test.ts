import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import Ajv from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, type IPodSpec, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { MANIFESTS_DIR, manifestFiles } from '../scripts/kubernetes/layout';
import {
  DEPLOYED_PROVINCES,
  DRAIN_TIMEOUT_MS,
  PRE_STOP_SECONDS,
  TERMINATION_GRACE_SECONDS,
} from '../scripts/kubernetes/settings';

/**
 * deploy/kubernetes/ is what `npm run manifests` makes now, and every object in it is valid:
 * built-in kinds against the Kubernetes schemas (kubernetes-models), CloudNativePG's against its
 * CRD's schema (vendored in scripts/kubernetes/schemas), the Prometheus Operator's and the Barman
 * Cloud plugin's by their structure; `kubectl kustomize` renders every overlay where it is installed.
 */
const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, MANIFESTS_DIR);

interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, any>;
  data?: Record<string, string>;
}

function filesOnDisk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesOnDisk(join(dir, entry.name)) : [relative(DIR, join(dir, entry.name))],
  );
}

function objectsOf(text: string): KubernetesObject[] {
  return parseAllDocuments(text).map((doc) => {
    assert.equal(doc.errors.length, 0, String(doc.errors[0]));
    return doc.toJS() as KubernetesObject;
  });
}

const generated = manifestFiles();
const objects = Object.entries(generated)
  .filter(([path]) => !path.endsWith('kustomization.yaml'))
  .flatMap(([path, text]) => objectsOf(text).map((object) => ({ path, object })));

test('deploy/kubernetes/ is what `npm run manifests` writes now (run it after changing scripts/kubernetes/)', () => {
  assert.deepEqual(filesOnDisk(DIR).sort(), Object.keys(generated).sort(), 'the same files');
  for (const [path, text] of Object.entries(generated))
    assert.equal(readFileSync(join(DIR, path), 'utf8'), text, `${path} has drifted`);
  for (const code of DEPLOYED_PROVINCES)
    assert.ok(`overlays/province-${code}/kustomization.yaml` in generated, `an overlay for province ${code}`);
});

type Validating = new (data: any) => { validate(): void };
const KINDS: Record<string, Validating> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
};

/**
 * The API server prunes fields a CRD's structural schema does not name; closing every object of
 * the schema makes such a field (a typo, a field of another version) an error here instead.
 */
function closed(schema: any): any {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const copy: any = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as object).map(([name, sub]) => [name, closed(sub)]))
        : closed(value),
    ]),
  );
  if (copy.properties && copy.additionalProperties === undefined && !copy['x-kubernetes-preserve-unknown-fields']) {
    copy.additionalProperties = false;
  }
  return copy;
}

const cnpg = JSON.parse(
  readFileSync(join(ROOT, 'scripts', 'kubernetes', 'schemas', 'cloudnative-pg-1.30.0.json'), 'utf8'),
) as {
  apiVersion: string;
  schemas: Record<string, object>;
};
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const CNPG_VALIDATORS = Object.fromEntries(
  Object.entries(cnpg.schemas).map(([kind, schema]) => [kind, ajv.compile(closed(schema))]),
);

function validateObject(object: KubernetesObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = KINDS[key];
  if (Model) {
    new Model(object).validate();
    return;
  }
  if (object.apiVersion === cnpg.apiVersion) {
    const validate = CNPG_VALIDATORS[object.kind];
    assert.ok(validate, `no CloudNativePG schema for ${object.kind}`);
    assert.ok(validate(object), `${object.kind} ${object.metadata.name}: ${ajv.errorsText(validate.errors)}`);
    return;
  }
  if (key === 'monitoring.coreos.com/v1/ServiceMonitor') {
    checkServiceMonitor(object);
    return;
  }
  if (key === 'monitoring.coreos.com/v1/PrometheusRule') {
    checkPrometheusRule(object);
    return;
  }
  if (key === 'barmancloud.cnpg.io/v1/ObjectStore') {
    assert.match(object.spec?.configuration?.destinationPath ?? '', /^s3:\/\/[a-z0-9.-]+\/[a-z0-9-]+$/);
    assert.match(object.spec?.retentionPolicy ?? '', /^[1-9][0-9]*[dwm]$/);
    return;
  }
  assert.fail(`${key}: a kind this test does not know how to check`);
}

function checkServiceMonitor(object: KubernetesObject): void {
  const spec = object.spec ?? {};
  assert.ok(
    spec.selector?.matchExpressions?.length || spec.selector?.matchLabels,
    `${object.metadata.name}: a selector`,
  );
  assert.ok(Array.isArray(spec.endpoints) && spec.endpoints.length > 0);
  for (const endpoint of spec.endpoints) {
    assert.deepEqual(
      Object.keys(endpoint).filter((k) => !['port', 'path', 'interval', 'scrapeTimeout'].includes(k)),
      [],
    );
    assert.equal(endpoint.port, 'http');
    assert.equal(endpoint.path, '/metrics');
  }
}

const DURATION = /^[0-9]+(ms|s|m|h|d|w|y)$/;

function checkPrometheusRule(object: KubernetesObject): void {
  for (const group of object.spec?.groups ?? []) {
    assert.equal(typeof group.name, 'string');
    for (const rule of group.rules) {
      assert.match(rule.alert, /^[A-Z][A-Za-z]+$/);
      assert.equal(typeof rule.expr, 'string');
      assert.match(rule.for, DURATION);
      assert.ok(['critical', 'warning'].includes(rule.labels.severity));
      assert.ok(rule.annotations.summary && rule.annotations.description);
      assert.deepEqual(Object.keys(rule).sort(), ['alert', 'annotations', 'expr', 'for', 'labels']);
    }
  }
}

test('every object validates: Kubernetes schemas, the CloudNativePG CRD, the monitoring objects', () => {
  assert.ok(objects.length > 30);
  for (const { path, object } of objects) {
    assert.doesNotThrow(
      () => validateObject(object),
      (error: Error) => assert.fail(`${path}: ${object.kind} ${object.metadata.name}: ${error.message}`),
    );
  }
});

test('the checks catch a wrong field (they can fail)', () => {
  const deployment = objects.find(({ object }) => object.kind === 'Deployment')?.object as KubernetesObject;
  assert.throws(
    () => validateObject({ ...deployment, spec: { ...deployment.spec, replicas: 'two' } }),
    /replicas must be integer/,
  );
  const cluster = objects.find(({ object }) => object.kind === 'Cluster')?.object as KubernetesObject;
  assert.throws(
    () => validateObject({ ...cluster, spec: { ...cluster.spec, instance: 3 } }),
    /must NOT have additional properties/,
  );
  assert.throws(
    () =>
      validateObject({
        ...cluster,
        spec: { ...cluster.spec, postgresql: { synchronous: { method: 'all', number: 1 } } },
      }),
    /allowed values/,
  );
});

const podSpecs = () =>
  objects
    .filter(({ object }) => object.kind === 'Deployment' || object.kind === 'Job')
    .map(({ object }) => ({
      name: `${object.kind} ${object.metadata.name}`,
      spec: object.spec?.template.spec as IPodSpec,
    }));

test('every pod is restricted: non-root, read-only root with a /tmp volume, no privilege escalation, no capability, RuntimeDefault seccomp', () => {
  for (const { name, spec } of podSpecs()) {
    assert.equal(spec.securityContext?.runAsNonRoot, true, name);
    assert.equal(spec.securityContext?.seccompProfile?.type, 'RuntimeDefault', name);
    assert.equal(spec.automountServiceAccountToken, false, name);
    for (const container of spec.containers) {
      const security = container.securityContext;
      assert.equal(security?.readOnlyRootFilesystem, true, name);
      assert.equal(security?.allowPrivilegeEscalation, false, name);
      assert.deepEqual(security?.capabilities?.drop, ['ALL'], name);
      assert.ok(
        container.volumeMounts?.some((m) => m.mountPath === '/tmp'),
        `${name}: a writable /tmp`,
      );
      assert.ok(container.resources?.requests?.memory && container.resources.limits?.memory, `${name}: resources`);
    }
  }
});

test('deployments: split probes, a grace period longer than the drain, the private key as a mounted Secret', () => {
  assert.ok(PRE_STOP_SECONDS + DRAIN_TIMEOUT_MS / 1000 < TERMINATION_GRACE_SECONDS);
  const deployments = podSpecs().filter(({ name }) => name.startsWith('Deployment'));
  assert.deepEqual(deployments.map(({ name }) => name).sort(), [
    'Deployment gateway',
    'Deployment national',
    'Deployment province',
  ]);
  for (const { name, spec } of deployments) {
    const [container] = spec.containers;
    assert.equal(container.livenessProbe?.httpGet?.path, '/health/live', name);
    assert.equal(container.readinessProbe?.httpGet?.path, '/health/ready', name);
    assert.equal(spec.terminationGracePeriodSeconds, TERMINATION_GRACE_SECONDS, name);
    const key = spec.volumes?.find((v) => v.name === 'service-key');
    assert.ok(key?.secret?.secretName, `${name}: its private key is a Secret`);
    assert.ok(
      container.volumeMounts?.some((m) => m.name === 'service-key' && m.readOnly),
      name,
    );
    assert.ok(!container.env?.some((e) => e.name === 'SERVICE_KEY'), `${name}: the key is never an environment value`);
  }
  const kinds = new Set(objects.map(({ object }) => `${object.kind} ${object.metadata.name}`));
  for (const expected of [
    'HorizontalPodAutoscaler gateway',
    'PodDisruptionBudget gateway',
    'PodDisruptionBudget national',
    'PodDisruptionBudget province',
    'Cluster national-db',
    'Cluster province-db',
    'ScheduledBackup national-db-nightly',
    'ScheduledBackup province-db-nightly',
  ]) {
    assert.ok(kinds.has(expected), expected);
  }
});

/** Every metric the rules and the dashboard name is one a service serves (its name is in the source). */
test('alerts and the dashboard use metrics that exist', () => {
  const sources = [
    'subgraphs/common/platform/observability/metrics.ts',
    'subgraphs/national/national-metrics.ts',
    'gateway/gateway-metrics.ts',
  ]
    .map((file) => readFileSync(join(ROOT, file), 'utf8'))
    .join('\n');
  const used = new Set<string>();
  for (const { object } of objects) {
    const text =
      object.kind === 'PrometheusRule'
        ? JSON.stringify(object.spec)
        : object.kind === 'ConfigMap'
          ? Object.values(object.data ?? {}).join('\n')
          : '';
    for (const [name] of text.matchAll(/\bwallet_[a-z_]+/g)) used.add(name.replace(/_(bucket|sum|count)$/, ''));
  }
  assert.ok(used.size >= 10, [...used].join(', '));
  for (const name of used) assert.ok(sources.includes(`'${name}'`), `${name} is not a metric of any service`);
});

test('kubectl kustomize renders every overlay, into valid objects of its namespace', (t) => {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (kubectl.error || kubectl.status !== 0)
    return t.skip('kubectl is not installed: the overlays are not rendered here');
  const overlays = readdirSync(join(DIR, 'overlays'));
  assert.deepEqual(
    overlays.sort(),
    ['national-centre', ...DEPLOYED_PROVINCES.map((code) => `province-${code}`)].sort(),
  );
  for (const overlay of overlays) {
    const rendered = spawnSync('kubectl', ['kustomize', join(DIR, 'overlays', overlay)], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(rendered.status, 0, `${overlay}: ${rendered.stderr}`);
    const renderedObjects = objectsOf(rendered.stdout);
    const namespace = renderedObjects.find((o) => o.kind === 'Namespace')?.metadata.name;
    assert.equal(namespace, overlay === 'national-centre' ? 'wallet-national' : `wallet-${overlay}`);
    for (const object of renderedObjects) {
      validateObject(object);
      if (object.kind !== 'Namespace')
        assert.equal(object.metadata.namespace, namespace, `${overlay}: ${object.kind} ${object.metadata.name}`);
    }
  }
});

test('the vendored CloudNativePG schema says where it comes from and under which licence', () => {
  const vendored = cnpg as unknown as { source: string; licence: string };
  assert.match(vendored.source, /cloudnative-pg.*v1\.30\.0/);
  assert.match(vendored.licence, /Apache-2\.0/);
  assert.ok(existsSync(join(ROOT, 'scripts', 'kubernetes', 'schemas', 'README.md')));
});
