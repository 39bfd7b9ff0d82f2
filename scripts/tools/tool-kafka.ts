/**
 * What the operator tools share at run time: the service's config file (same
 * brokers, same mTLS material as `npm start -- --config FILE`), a logger that
 * writes warnings and errors to stderr (stdout is the tool's own output), the
 * live-member check both tools refuse on, the exit-code convention
 * (0 done, 1 failed, 2 usage) and the entry both run through (runToolCommand).
 */
import type { Admin, Kafka } from 'kafkajs';
import { loadConfig, type AppConfig } from '../../src/config';
import { AppError } from '../../src/errors';
import { kafkaFromConfig } from '../../src/kafka/kafka-from-config';
import { createLogger } from '../../src/logging/logger';
import type { Logger } from '../../src/logging/types';
import { answeredHelp } from '../lib/cli';

export interface ToolContext {
  config: AppConfig;
  kafka: Kafka;
  logger: Logger;
}

export function toolContext(tool: string, configFile: string | undefined): ToolContext {
  const config = loadConfig({ argv: configFile === undefined ? [] : ['--config', configFile] });
  const logger = createLogger({ level: 'warn', format: 'pretty', service: tool, stream: process.stderr });
  return { config, logger, kafka: kafkaFromConfig(config, logger, `${config.kafka.clientId}-${tool}`) };
}

export async function withToolAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The group's state and how many members it has now (Empty / Dead: none). */
export async function groupMembers(admin: Pick<Admin, 'describeGroups'>, group: string): Promise<{ state: string; members: string[] }> {
  const { groups } = await admin.describeGroups([group]);
  const g = groups[0];
  return { state: g?.state ?? 'Dead', members: (g?.members ?? []).map((m) => `${m.clientId}@${m.clientHost}`) };
}

export function groupBusyError(group: string, g: { state: string; members: string[] }, what: string): AppError {
  return new AppError(
    'GROUP_HAS_LIVE_MEMBERS',
    `consumer group ${group} has ${g.members.length} live member(s) (state ${g.state}: ${g.members.slice(0, 5).join(', ')}); ${what} — stop them first`,
  );
}

export async function requireTopics(admin: Pick<Admin, 'listTopics'>, wanted: Array<{ topic: string; role: string }>): Promise<Set<string>> {
  const existing = new Set(await admin.listTopics());
  for (const w of wanted) {
    if (!existing.has(w.topic)) {
      const near = [...existing].filter((t) => !t.startsWith('__') && (t.includes(w.topic) || w.topic.includes(t))).slice(0, 5);
      throw new AppError('TOPIC_MISSING', `${w.role} '${w.topic}' does not exist${near.length > 0 ? ` (similar: ${near.join(', ')})` : ''}`);
    }
  }
  return existing;
}

/** Runs a tool's main: usage errors exit 2 with a hint, other failures 1, each as one clear line on stderr. */
export function runTool(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => setImmediate(() => process.exit(code)),
    (err: unknown) => {
      const e = err as Error;
      const usage = err instanceof AppError && err.code === 'USAGE';
      process.stderr.write(`${name}: ${err instanceof AppError ? `${err.code}: ` : ''}${e.message}${usage ? ` (npm run ${name} -- --help)` : ''}\n`);
      setImmediate(() => process.exit(usage ? 2 : 1));
    },
  );
}

/**
 * A tool's whole entry: its command line (--help answered with `usage`; a
 * usage error exits 2 through runTool), the Kafka client of its config file,
 * then `main` with a writer of stdout lines.
 */
export function runToolCommand<T extends { help: boolean; configFile?: string }>(
  name: string,
  usage: string,
  parse: (argv: readonly string[], nowMs: number) => T,
  main: (o: T, kafka: Kafka, say: (line: string) => void) => Promise<number>,
): void {
  runTool(name, async () => {
    const o = parse(process.argv.slice(2), Date.now());
    if (answeredHelp(o, usage)) return 0;
    const { kafka } = toolContext(name, o.configFile);
    return main(o, kafka, (line) => void process.stdout.write(`${line}\n`));
  });
}
