/**
 * Loads the configuration: schema defaults ← config/default.json ←
 * config/<NODE_ENV>.json (or the file given by `--config <file>`) ← the
 * environment. This module is the only place that reads process.env and
 * process.argv, and only when the caller passes neither; everything else gets
 * the frozen AppConfig it returns.
 *
 * Failures are ConfigErrors whose message names the key (and the file, for
 * keys that come from a file). A value is never shown for a sensitive key.
 */
import fs from 'node:fs';
import path from 'node:path';
import convict from 'convict';
import { ConfigError } from '../errors';
import { registerFormats } from './formats';
import { schema, schemaLeaves } from './schema';
import { checkFileObject } from './file-check';
import { checkRelations } from './relations';
import { NODE_ENVS, type AppConfig, type NodeEnv } from './types';

export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** Command-line arguments after the script name; default process.argv.slice(2). */
  readonly argv?: readonly string[];
  /** Environment; default process.env. */
  readonly env?: Env;
  /** Relative paths in --config, *_FILE and resourceRoot resolve against it; default process.cwd(). */
  readonly cwd?: string;
  /** The application root (default resourceRoot); default: the nearest directory above this file with a package.json. */
  readonly appRoot?: string;
  /** Where default.json and <NODE_ENV>.json live; default <appRoot>/config. */
  readonly configDir?: string;
}

export function loadConfig(opts: LoadConfigOptions = {}): AppConfig {
  registerFormats();
  const cwd = opts.cwd ?? process.cwd();
  const appRoot = opts.appRoot ?? findAppRoot(__dirname) ?? cwd;
  const env = withSecretFiles(opts.env ?? process.env, cwd);
  if (env.NODE_ENV === '') delete env.NODE_ENV; // set but empty: the default, as when unset
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (!(NODE_ENVS as readonly string[]).includes(nodeEnv)) {
    throw new ConfigError(`config: env must be one of ${NODE_ENVS.join(' | ')}, got ${JSON.stringify(nodeEnv)} (NODE_ENV)`, 'env');
  }

  const configDir = opts.configDir ?? path.join(appRoot, 'config');
  const explicit = configFileArgument(opts.argv ?? process.argv.slice(2));
  const files = configFiles(configDir, nodeEnv as NodeEnv, explicit === undefined ? undefined : path.resolve(cwd, explicit));

  const config = convict(schema, { env: env as NodeJS.ProcessEnv, args: [] });
  for (const file of files) {
    // load() re-applies the environment after each file: env always wins.
    config.load(readConfigFile(file, displayPath(file, cwd)));
  }
  try {
    config.validate({ allowed: 'strict', output: () => undefined });
  } catch (err) {
    throw convictToConfigError(err);
  }

  const raw = config.getProperties() as unknown as MutableDeep<AppConfig>;
  const problems = checkRelations(raw);
  if (problems.length > 0) throw problemsToConfigError(problems);
  const root = raw.kafka.tls.resourceRoot;
  raw.kafka.tls.resourceRoot = root === '' ? appRoot : path.resolve(cwd, root);
  return deepFreeze(raw) as AppConfig;
}

type MutableDeep<T> = { -readonly [K in keyof T]: T[K] extends object ? MutableDeep<T[K]> : T[K] };

/** `--config <file>` or `--config=<file>`; other arguments belong to someone else. */
export function configFileArgument(argv: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let value: string | undefined;
    if (arg === '--config') {
      value = argv[i + 1];
      i++;
      if (value === undefined || value.startsWith('--')) throw new ConfigError('config: --config needs a file path');
    } else if (arg.startsWith('--config=')) {
      value = arg.slice('--config='.length);
      if (value === '') throw new ConfigError('config: --config needs a file path');
    } else {
      continue;
    }
    if (found !== undefined) throw new ConfigError('config: --config given more than once');
    found = value;
  }
  return found;
}

function configFiles(configDir: string, nodeEnv: NodeEnv, explicit: string | undefined): string[] {
  const files: string[] = [];
  const defaults = path.join(configDir, 'default.json');
  if (fs.existsSync(defaults)) files.push(defaults);
  if (explicit !== undefined) {
    if (!fs.existsSync(explicit)) throw new ConfigError(`config: --config file ${explicit} does not exist`);
    files.push(explicit);
  } else {
    const perEnv = path.join(configDir, `${nodeEnv}.json`);
    if (fs.existsSync(perEnv)) files.push(perEnv);
  }
  return files;
}

function readConfigFile(file: string, display: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`config: cannot read ${display}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config: ${display} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config: ${display} must hold a JSON object`);
  }
  const problems = checkFileObject(parsed as Record<string, unknown>, display);
  if (problems.length > 0) throw problemsToConfigError(problems);
  return parsed as Record<string, unknown>;
}

/**
 * Kubernetes mounts secrets as files: every sensitive key's variable X also
 * accepts X_FILE, a path whose trimmed content is the value. Returns a new
 * environment with the X values filled in; never echoes a file's content.
 */
export function withSecretFiles(env: Env, cwd: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const leaf of schemaLeaves()) {
    if (!leaf.sensitive) continue;
    const fileVar = `${leaf.env}_FILE`;
    const file = env[fileVar];
    if (file === undefined || file === '') continue;
    if (env[leaf.env] !== undefined && env[leaf.env] !== '') {
      throw new ConfigError(`config: ${leaf.key}: set ${leaf.env} or ${fileVar}, not both`, leaf.key);
    }
    const resolved = path.resolve(cwd, file);
    try {
      out[leaf.env] = fs.readFileSync(resolved, 'utf8').trim();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(`config: ${leaf.key}: cannot read ${fileVar}=${resolved} (${code})`, leaf.key);
    }
  }
  return out;
}

export interface Problem {
  readonly key: string;
  readonly message: string;
}

export function problemsToConfigError(problems: readonly Problem[]): ConfigError {
  return new ConfigError(problems.map((p) => p.message).join('\n'), problems[0]?.key);
}

const UNDECLARED = /^configuration param '(.+)' not declared in the schema$/;
const MISSING = /^configuration param '(.+)' missing from config/;
const TYPED = /^([^\s:]+): (.*?)(?:: value was .*)?$/s;

/**
 * convict reports "key: message: value was X" lines (the value left out for
 * sensitive keys); our formats already say ", got X" where showing it is
 * safe, so the suffix goes and each line becomes "config: key message".
 */
export function convictToConfigError(err: unknown): ConfigError {
  const lines = String((err as Error)?.message ?? err).split('\n').filter((l) => l.trim() !== '');
  const problems = lines.map((line): Problem => {
    let m = UNDECLARED.exec(line);
    if (m) return { key: m[1], message: `config: unknown key ${m[1]}` };
    m = MISSING.exec(line);
    if (m) return { key: m[1], message: `config: ${m[1]} is missing (was its parent object replaced?)` };
    m = TYPED.exec(line);
    if (m) return { key: m[1], message: `config: ${m[1]} ${m[2]}` };
    return { key: '', message: `config: ${line}` };
  });
  return problemsToConfigError(problems);
}

function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** The nearest directory at or above `start` with a package.json: the repo dir, or /app in the image. */
export function findAppRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
