import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';

/** An object of a custom resource (CloudNativePG, Barman Cloud, Prometheus Operator): checked against its CRD's schema by the tests. */
export interface CustomResource<Spec = Record<string, unknown>> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string };
  spec: Spec;
}
