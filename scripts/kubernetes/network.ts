import { type INetworkPolicyPeer, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import {
  CNPG_NAMESPACE,
  labelsOf,
  MONITORING_NAMESPACE,
  NATIONAL_NAMESPACE,
  selectorOf,
  type ServiceShape,
} from './settings';

/**
 * Who may open a connection to what. Every namespace denies all ingress by default; then:
 * - the gateway accepts anyone (it is the public endpoint; put an ingress in front of it);
 * - national accepts the gateway; a province accepts national and the gateway (from the national
 *   centre's namespace) only;
 * - a database accepts its own deployment (and its migration Job), its own instances (replication)
 *   and the CloudNativePG operator; national's also the gateway, which follows its wallet events;
 * - Prometheus (the monitoring namespace) may scrape every service.
 */
const namespaced = (namespace: string) => ({ 'kubernetes.io/metadata.name': namespace });
const podsIn = (namespace: string | undefined, name: string, component = 'server'): INetworkPolicyPeer => ({
  ...(namespace ? { namespaceSelector: { matchLabels: namespaced(namespace) } } : {}),
  podSelector: { matchLabels: selectorOf(name, component) },
});
const prometheus: INetworkPolicyPeer = { namespaceSelector: { matchLabels: namespaced(MONITORING_NAMESPACE) } };

export function denyAllIngress(): NetworkPolicy {
  return new NetworkPolicy({
    metadata: { name: 'deny-all-ingress', labels: labelsOf('network', 'policy') },
    spec: { podSelector: {}, policyTypes: ['Ingress'] },
  });
}

/** A service's port, open to `callers` (all when undefined) and to Prometheus. */
export function serviceIngress(service: ServiceShape, callers: INetworkPolicyPeer[] | undefined): NetworkPolicy {
  return new NetworkPolicy({
    metadata: { name: `${service.name}-ingress`, labels: labelsOf(service.name, 'server') },
    spec: {
      podSelector: { matchLabels: selectorOf(service.name) },
      policyTypes: ['Ingress'],
      ingress: [{ ...(callers ? { from: [...callers, prometheus] } : {}), ports: [{ port: 'http', protocol: 'TCP' }] }],
    },
  });
}

export const callersOfNational = () => [podsIn(undefined, 'gateway')];
export const callersOfProvince = () => [podsIn(NATIONAL_NAMESPACE, 'national'), podsIn(NATIONAL_NAMESPACE, 'gateway')];

/** A CloudNativePG cluster's instances: PostgreSQL for its own deployment, the status port for the operator. */
export function databaseIngress(cluster: string, owner: ServiceShape, alsoReadBy: string[] = []): NetworkPolicy {
  const instances: INetworkPolicyPeer = { podSelector: { matchLabels: { 'cnpg.io/cluster': cluster } } };
  return new NetworkPolicy({
    metadata: { name: `${cluster}-ingress`, labels: labelsOf(cluster, 'database') },
    spec: {
      podSelector: { matchLabels: { 'cnpg.io/cluster': cluster } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            podsIn(undefined, owner.name),
            podsIn(undefined, owner.name, 'migration'),
            ...alsoReadBy.map((name) => podsIn(undefined, name)),
            instances,
          ],
          ports: [{ port: 5432, protocol: 'TCP' }],
        },
        // The operator's status checks; Prometheus's scrape of the instances' metrics (PodMonitor).
        {
          from: [{ namespaceSelector: { matchLabels: namespaced(CNPG_NAMESPACE) } }, instances],
          ports: [{ port: 8000, protocol: 'TCP' }],
        },
        { from: [prometheus], ports: [{ port: 9187, protocol: 'TCP' }] },
      ],
    },
  });
}
