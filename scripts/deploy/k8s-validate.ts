/**
 * Validates Kubernetes objects offline, in three layers:
 * 1. the official schema of the kind (./k8s-models.ts): types, required
 *    fields, enums, formats — an unknown kind fails, it is never waved through;
 * 2. no field the schema does not declare (./k8s-strict.ts): misspellings;
 * 3. rules the API server enforces in code, which the OpenAPI schema does not
 *    carry (a negative replica count or port passes the schema but is refused
 *    by `kubectl apply`): no negative numbers, min <= max on autoscalers, a
 *    Deployment's selector matches its pod labels.
 */
import { KIND_MODELS, kindKey } from './k8s-models';
import { unknownFields } from './k8s-strict';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function negativeNumbers(value: unknown, at: string, out: string[]): void {
  if (typeof value === 'number' && value < 0) out.push(`${at}: ${value} is negative`);
  else if (Array.isArray(value)) value.forEach((v, i) => negativeNumbers(v, `${at}[${i}]`, out));
  else if (isObj(value)) for (const [k, v] of Object.entries(value)) negativeNumbers(v, at === '' ? k : `${at}.${k}`, out);
}

function get(obj: unknown, ...keys: string[]): unknown {
  let v: unknown = obj;
  for (const k of keys) v = isObj(v) ? v[k] : undefined;
  return v;
}

function apiServerRules(kind: string, obj: Obj): string[] {
  const out: string[] = [];
  negativeNumbers(obj, '', out);
  const range = (minKey: string, maxKey: string): void => {
    const min = get(obj, 'spec', minKey);
    const max = get(obj, 'spec', maxKey);
    if (typeof min === 'number' && typeof max === 'number' && min > max) out.push(`spec.${minKey} ${min} > spec.${maxKey} ${max}`);
  };
  if (kind === 'autoscaling/v2/HorizontalPodAutoscaler') range('minReplicas', 'maxReplicas');
  if (kind === 'keda.sh/v1alpha1/ScaledObject') range('minReplicaCount', 'maxReplicaCount');
  if (kind === 'apps/v1/Deployment') {
    const selector = get(obj, 'spec', 'selector', 'matchLabels');
    const labels = get(obj, 'spec', 'template', 'metadata', 'labels');
    for (const [k, v] of Object.entries(isObj(selector) ? selector : {})) {
      if (!isObj(labels) || labels[k] !== v) out.push(`spec.selector.matchLabels.${k}=${String(v)} does not match spec.template.metadata.labels`);
    }
  }
  return out;
}

/** Every problem of one object; [] when it would be accepted. */
export function validateObject(obj: unknown): string[] {
  if (!isObj(obj)) return ['not an object'];
  const kind = kindKey(obj);
  const model = KIND_MODELS.get(kind);
  if (model === undefined) return [`${kind}: no schema known for this kind (add it to scripts/deploy/k8s-models.ts)`];
  const problems: string[] = [];
  try {
    model.create(obj).validate();
  } catch (err) {
    problems.push(`schema: ${(err as Error).message}`);
  }
  problems.push(...unknownFields(kind, obj), ...apiServerRules(kind, obj));
  return problems;
}

/** `Kind/name` for messages. */
export function describeObject(obj: unknown): string {
  return `${String(get(obj, 'kind'))}/${String(get(obj, 'metadata', 'name'))}`;
}

/** Problems of every object, each prefixed with the object it belongs to. */
export function validateObjects(objects: readonly unknown[]): string[] {
  return objects.flatMap((o) => validateObject(o).map((p) => `${describeObject(o)}: ${p}`));
}
