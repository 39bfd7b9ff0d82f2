/**
 * Reading the deploy/ files from the repository root, whether the caller runs
 * from src (ts) or dist (compiled js): both sit two levels below scripts/deploy.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

const fromHere = path.resolve(__dirname, '..', '..');
/** dist/scripts/deploy → repo root is one level further up than scripts/deploy. */
export const REPO_ROOT = path.basename(fromHere) === 'dist' ? path.dirname(fromHere) : fromHere;

export function repoPath(...parts: string[]): string {
  return path.join(REPO_ROOT, ...parts);
}

export function readRepoText(...parts: string[]): string {
  return readFileSync(repoPath(...parts), 'utf8');
}

/** One YAML document; duplicate keys and other YAML errors throw (yaml's default). */
export function readRepoYaml(...parts: string[]): unknown {
  return parse(readRepoText(...parts));
}

/** Every document of a multi-document YAML stream, errors thrown with the file name. */
export function parseYamlStream(text: string, source: string): unknown[] {
  return parseAllDocuments(text).map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${source}: document ${i + 1}: ${doc.errors[0].message}`);
    return doc.toJS() as unknown;
  }).filter((doc) => doc !== null && doc !== undefined);
}

/**
 * GitHub's heading anchors: lower case, punctuation other than '-' and '_'
 * removed, spaces to '-'. Enough for the runbook's headings (ASCII words).
 */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of markdown.split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    anchors.add(heading[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return anchors;
}
