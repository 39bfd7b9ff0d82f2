/**
 * `npm run deploy:check`: validates deploy/ with the real tools, offline.
 *
 * - `promtool check rules` and `promtool test rules` on deploy/prometheus;
 * - `kustomize build` of every overlay (and the base), every rendered object
 *   validated by scripts/deploy/k8s-validate.ts; the examples too.
 *
 * Tools come from $PROMTOOL / $KUSTOMIZE or PATH; .ci/run installs pinned
 * versions (promtool from Debian's `prometheus` package, kustomize through the
 * Go module proxy) when they are missing. Exits 1 on the first tool failure or
 * any invalid object, 2 when a tool is missing.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { validateObjects } from './deploy/k8s-validate';
import { parseYamlStream, readRepoText, repoPath, REPO_ROOT } from './deploy/repo-files';

function tool(envName: string, binary: string): string {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    console.error(`deploy:check: ${binary} not found: set ${envName} or put it on PATH (.ci/run installs it)`);
    process.exit(2);
  }
  return found.stdout.trim();
}

function run(binary: string, args: string[], cwd = REPO_ROOT): string {
  const r = spawnSync(binary, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    console.error(`deploy:check: ${binary} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
  return r.stdout + r.stderr;
}

function main(): void {
  const promtool = tool('PROMTOOL', 'promtool');
  const kustomize = tool('KUSTOMIZE', 'kustomize');
  const problems: string[] = [];

  process.stdout.write(run(promtool, ['check', 'rules', 'alerts.yml'], repoPath('deploy', 'prometheus')));
  process.stdout.write(run(promtool, ['test', 'rules', 'alerts.test.yml'], repoPath('deploy', 'prometheus')));

  const overlays = readdirSync(repoPath('deploy', 'kubernetes', 'overlays')).sort();
  for (const dir of ['base', ...overlays.map((o) => `overlays/${o}`)]) {
    const rendered = run(kustomize, ['build', '--load-restrictor', 'LoadRestrictionsNone', `deploy/kubernetes/${dir}`]);
    const objects = parseYamlStream(rendered, dir);
    const found = validateObjects(objects);
    problems.push(...found.map((p) => `${dir}: ${p}`));
    const kinds = objects.map((o) => (o as { kind: string }).kind).join(', ');
    console.log(`${dir}: ${objects.length} objects rendered by kustomize, ${found.length === 0 ? 'all valid' : `${found.length} problems`} (${kinds})`);
  }
  for (const file of readdirSync(repoPath('deploy', 'kubernetes', 'examples')).filter((f) => f.endsWith('.yaml')).sort()) {
    const objects = parseYamlStream(readRepoText('deploy', 'kubernetes', 'examples', file), file);
    const found = validateObjects(objects);
    problems.push(...found.map((p) => `examples/${file}: ${p}`));
    console.log(`examples/${file}: ${objects.length} objects, ${found.length === 0 ? 'all valid' : `${found.length} problems`}`);
  }
  if (problems.length > 0) {
    console.error(problems.map((p) => `  ${p}`).join('\n'));
    process.exit(1);
  }
  console.log('deploy:check: alert rules and manifests valid');
}

main();
