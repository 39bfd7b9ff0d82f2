/**
 * Generates the configuration reference table for the README from the schema,
 * so the documentation cannot drift from the code.
 */
import { schema, schemaLeaves } from './schema';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ');
}

function leafOptions(key: string): Record<string, unknown> {
  let node: unknown = schema;
  for (const p of key.split('.')) node = (node as Record<string, unknown>)[p];
  return node as Record<string, unknown>;
}

function allowed(key: string, format: string): string {
  const o = leafOptions(key);
  if (format === 'one-of') return ` One of: ${(o.values as string[]).join(', ')}.`;
  if (format === 'int-range') {
    const why = o.maxReason ? `, ${String(o.maxReason)}` : '';
    return ` Range ${Number(o.min).toLocaleString('en-US')}..${Number(o.max).toLocaleString('en-US')}${why}.`;
  }
  return '';
}

/** A Markdown table: key, environment variable, default, description. */
export function configReference(): string {
  const rows = schemaLeaves().map((l) => {
    const env = l.sensitive ? `\`${l.env}\` or \`${l.env}_FILE\`` : `\`${l.env}\``;
    const def = `\`${JSON.stringify(l.default)}\``;
    return `| \`${l.key}\` | ${env} | ${cell(def)} | ${cell(l.doc + allowed(l.key, l.format))} |`;
  });
  return ['| key | env | default | description |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}
