/**
 * Fields an object carries that its schema does not declare — what
 * `kubectl apply --validate=strict` and kubeconform's `-strict` report, and
 * what the compiled OpenAPI validators of kubernetes-models let through (the
 * Kubernetes OpenAPI spec does not set additionalProperties: false, so
 * `replica: 3` or `livenessprobe:` would pass them silently).
 *
 * The field lists come from the TypeScript interfaces that kubernetes-models
 * generates from the same schemas: one TypeScript program over those .d.ts
 * files (built once, ~1 s), then each YAML object is walked against its
 * interface. Maps (`labels`, `data`, a string index signature) accept any key;
 * `any`/`unknown` (x-kubernetes-preserve-unknown-fields) accept anything.
 */
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './repo-files';
import { KIND_MODELS } from './k8s-models';

interface Checker { checker: ts.TypeChecker; roots: Map<string, ts.Type> }
let cached: Checker | undefined;

function buildChecker(): Checker {
  const entry = path.join(REPO_ROOT, '__deploy_kinds__.ts');
  const keys = [...KIND_MODELS.keys()];
  const source = [
    ...keys.map((k, i) => `import type { ${KIND_MODELS.get(k)!.typeName} as T${i} } from '${KIND_MODELS.get(k)!.typeModule}';`),
    'export interface Kinds {',
    ...keys.map((k, i) => `  ${JSON.stringify(k)}: T${i};`),
    '}',
  ].join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, onError) =>
    file === entry ? ts.createSourceFile(file, source, lang) : getSourceFile(file, lang, onError);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => file === entry || fileExists(file);
  const program = ts.createProgram([entry], options, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (problems.length > 0) throw new Error(`deploy: cannot load the Kubernetes model types: ${problems.join('; ')}`);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(entry)!;
  const kinds = file.statements.find(ts.isInterfaceDeclaration)!;
  const roots = new Map<string, ts.Type>();
  const kindsType = checker.getTypeAtLocation(kinds);
  for (const key of keys) {
    roots.set(key, checker.getTypeOfSymbolAtLocation(kindsType.getProperty(key)!, kinds));
  }
  return { checker, roots };
}

/** Object-like members of a (possibly optional or union) type; [] means "anything goes". */
function objectMembers(checker: ts.TypeChecker, type: ts.Type): ts.Type[] {
  const t = checker.getNonNullableType(type);
  if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return [];
  const members = t.isUnion() ? t.types : [t];
  return members.filter((m) => m.flags & ts.TypeFlags.Object);
}

function walk(checker: ts.TypeChecker, value: unknown, type: ts.Type, at: string, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  const members = objectMembers(checker, type);
  if (members.length === 0) return;
  if (Array.isArray(value)) {
    const element = members.map((m) => m.getNumberIndexType()).find((e) => e !== undefined);
    if (element !== undefined) value.forEach((v, i) => walk(checker, v, element, `${at}[${i}]`, out));
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const where = `${at}.${key}`;
    const prop = members.map((m) => m.getProperty(key)).find((p) => p !== undefined);
    if (prop !== undefined) {
      walk(checker, child, checker.getTypeOfSymbol(prop), where, out);
      continue;
    }
    const mapValue = members.map((m) => m.getStringIndexType()).find((e) => e !== undefined);
    if (mapValue !== undefined) walk(checker, child, mapValue, where, out);
    else out.push(`${where}: field not in the schema`);
  }
}

/** `["spec.template.spec.containers[0].livenessprobe: field not in the schema", ...]`. */
export function unknownFields(kind: string, obj: unknown): string[] {
  cached ??= buildChecker();
  const root = cached.roots.get(kind);
  if (root === undefined) throw new Error(`deploy: no schema for ${kind}`);
  const out: string[] = [];
  walk(cached.checker, obj, root, '', out);
  return out.map((p) => p.replace(/^\./, ''));
}
