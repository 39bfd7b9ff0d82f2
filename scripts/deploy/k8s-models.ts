/**
 * The Kubernetes kinds deploy/kubernetes may contain, each with the validator
 * of its official schema: the built-in kinds from `kubernetes-models` (compiled
 * from the Kubernetes OpenAPI spec), KEDA's from `@kubernetes-models/keda` and
 * the ServiceMonitor from `@kubernetes-models/prometheus-operator` (both
 * compiled from the projects' CRD schemas). Everything ships in the npm
 * packages: nothing is fetched at test time.
 *
 * `typeName` is the TypeScript interface of the same schema, used by
 * ./k8s-strict.ts to find fields the schema does not declare.
 */
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

interface Validatable { validate(): void }
export interface KindModel {
  /** Throws with the schema's messages when the object does not conform. */
  readonly create: (data: unknown) => Validatable;
  /** The TypeScript module and interface generated from the same schema. */
  readonly typeModule: string;
  readonly typeName: string;
}

// The model constructors take their own typed data; the objects here are untyped YAML,
// which is exactly what validate() is for.
type AnyModel = new (data: never) => Validatable;
const model = (Ctor: AnyModel, typeModule: string, typeName: string): KindModel => ({
  create: (data) => new Ctor(data as never),
  typeModule,
  typeName,
});

export const KIND_MODELS: ReadonlyMap<string, KindModel> = new Map([
  ['apps/v1/Deployment', model(Deployment, 'kubernetes-models/apps/v1', 'IDeployment')],
  ['autoscaling/v2/HorizontalPodAutoscaler', model(HorizontalPodAutoscaler, 'kubernetes-models/autoscaling/v2', 'IHorizontalPodAutoscaler')],
  ['policy/v1/PodDisruptionBudget', model(PodDisruptionBudget, 'kubernetes-models/policy/v1', 'IPodDisruptionBudget')],
  ['v1/ConfigMap', model(ConfigMap, 'kubernetes-models/v1', 'IConfigMap')],
  ['v1/Secret', model(Secret, 'kubernetes-models/v1', 'ISecret')],
  ['v1/Service', model(Service, 'kubernetes-models/v1', 'IService')],
  ['v1/ServiceAccount', model(ServiceAccount, 'kubernetes-models/v1', 'IServiceAccount')],
  ['keda.sh/v1alpha1/ScaledObject', model(ScaledObject, '@kubernetes-models/keda/keda.sh/v1alpha1', 'IScaledObject')],
  ['keda.sh/v1alpha1/TriggerAuthentication', model(TriggerAuthentication, '@kubernetes-models/keda/keda.sh/v1alpha1', 'ITriggerAuthentication')],
  ['monitoring.coreos.com/v1/ServiceMonitor', model(ServiceMonitor, '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1', 'IServiceMonitor')],
]);

export function kindKey(obj: { apiVersion?: unknown; kind?: unknown }): string {
  return `${String(obj.apiVersion)}/${String(obj.kind)}`;
}
