/**
 * `node dist/scripts/with-stack.js -- <command...>`: runs a command with the
 * local stack (mTLS Kafka + Firehose/S3 emulator) up. Each service that was not
 * already running is started first and stopped afterwards; a service that was
 * running is left alone. The command's exit code is passed on.
 */
import { spawnSync, spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

interface Part {
  name: string;
  script: string;
}

const parts: Part[] = [
  { name: 'kafka', script: 'scripts/kafka/kafka.sh' },
  { name: 'firehose emulator', script: 'scripts/firehose/emulator.sh' },
];

function sh(script: string, ...args: string[]): number {
  const r = spawnSync('bash', [path.join(root, script), ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  return r.status ?? 1;
}

function running(part: Part): boolean {
  const r = spawnSync('bash', [path.join(root, part.script), 'status'], { cwd: root, stdio: 'ignore' });
  return r.status === 0;
}

async function main(): Promise<number> {
  const sep = process.argv.indexOf('--');
  const command = sep >= 0 ? process.argv.slice(sep + 1) : [];
  if (command.length === 0) {
    process.stderr.write('usage: with-stack -- <command> [args...]\n');
    return 2;
  }
  const started: Part[] = [];
  const stopStarted = (): void => {
    for (const part of started.reverse()) {
      process.stderr.write(`with-stack: stopping ${part.name} (started by this run)\n`);
      sh(part.script, 'stop');
    }
    started.length = 0;
  };
  try {
    if (!running(parts[0]) || !running(parts[1])) {
      // certificates, broker, topics and emulator; idempotent for what already runs
      const before = parts.filter((p) => !running(p));
      if (sh('scripts/stack.sh', 'up') !== 0) {
        started.push(...before.filter((p) => running(p)));
        process.stderr.write('with-stack: the local stack did not come up; see the messages above\n');
        return 1;
      }
      started.push(...before);
    } else {
      process.stderr.write('with-stack: the local stack is already running; it will be left running\n');
    }
    const child = spawn(command[0], command.slice(1), { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    const forward = (sig: NodeJS.Signals): void => {
      child.kill(sig);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 128 : 1))));
    return code;
  } finally {
    stopStarted();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`with-stack: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
