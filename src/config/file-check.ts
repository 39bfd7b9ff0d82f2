/**
 * Checks a parsed config file against the schema before convict merges it, so
 * a typo names the file it is in ("unknown key kafka.grupId in
 * config/local.json") and a JSON value of the wrong type is refused instead of
 * coerced (convict would turn "600" into 600; a file should say what it means).
 */
import type { Problem } from './load';
import { schema } from './schema';

type Node = Record<string, unknown>;

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isLeaf(node: unknown): node is { default: unknown; sensitive?: boolean } {
  return typeof node === 'object' && node !== null && 'default' in node;
}

function isPlainObject(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Levenshtein distance, for "did you mean" on a typo'd key. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function suggestion(name: string, siblings: string[]): string {
  const best = siblings
    .map((s) => ({ s, d: distance(name, s) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(name.length / 4)))
    .sort((x, y) => x.d - y.d)[0];
  return best ? ` (did you mean ${best.s}?)` : '';
}

export function checkFileObject(file: Node, display: string): Problem[] {
  const problems: Problem[] = [];
  const walk = (obj: Node, node: Node, prefix: string): void => {
    for (const [name, value] of Object.entries(obj)) {
      const key = prefix === '' ? name : `${prefix}.${name}`;
      const child = Object.prototype.hasOwnProperty.call(node, name) ? node[name] : undefined;
      if (child === undefined) {
        const hint = suggestion(name, Object.keys(node));
        const where = prefix === '' ? '' : `${prefix}.`;
        problems.push({ key, message: `config: unknown key ${key} in ${display}${hint ? hint.replace('mean ', `mean ${where}`) : ''}` });
      } else if (isLeaf(child)) {
        const want = jsonType(child.default);
        const got = jsonType(value);
        if (want !== got) {
          const shown = child.sensitive ? '' : ` ${JSON.stringify(value)}`;
          problems.push({ key, message: `config: ${key} must be ${want === 'array' ? 'an' : 'a'} ${want} in ${display}, got ${got}${shown}` });
        }
      } else if (!isPlainObject(value)) {
        problems.push({ key, message: `config: ${key} must be an object in ${display}, got ${jsonType(value)}` });
      } else {
        walk(value, child as Node, key);
      }
    }
  };
  walk(file, schema as unknown as Node, '');
  return problems;
}
