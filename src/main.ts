/**
 * Production entry point: `node dist/src/main.js [--config FILE] [--print-config]`.
 *
 * Exit codes: 0 after a clean stop (SIGTERM/SIGINT), 1 when start-up fails
 * (bad config, bad TLS material, unreachable broker past the limit, missing
 * topic or stream), 2 when delivery stopped on a non-retriable error, 130 on a
 * second signal (immediate exit; uncommitted work is redelivered).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, printConfig, findAppRoot } from './config';
import { AppError } from './errors';
import { createLogger } from './logging/logger';
import { quietSdkNodeWarning } from './logging/runtime-notice';
import { createService } from './service';

function version(): string {
  try {
    const root = findAppRoot(__dirname) ?? process.cwd();
    return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let config;
  try {
    config = loadConfig({ argv });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
  if (argv.includes('--print-config')) {
    process.stdout.write(`${printConfig(config)}\n`);
    return 0;
  }
  const logger = createLogger({ level: config.log.level, format: config.log.format, service: 'wifi-scan-queue-consumer' });
  quietSdkNodeWarning(logger);
  const service = createService(config, { logger, version: version() });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn('second signal: exiting now; uncommitted work will be redelivered', { signal });
      process.exit(130);
    }
    logger.info('stopping: draining in-flight units, then committing', { signal, drainTimeoutMs: config.shutdown.drainTimeoutMs });
    void service.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    await service.start();
  } catch (err) {
    const e = err as Error;
    logger.error('start-up failed', { code: err instanceof AppError ? err.code : e.name, error: e.message });
    await service.terminate().catch(() => undefined);
    return signals > 0 ? 0 : 1;
  }
  const end = await service.done;
  if (end.reason === 'fatal') {
    const e = end.error as Error;
    logger.error('stopped on a non-retriable error', { code: end.error instanceof AppError ? end.error.code : e.name, error: e.message });
    return 2;
  }
  logger.info('stopped cleanly');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    // Let winston flush stdout before exiting.
    setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
