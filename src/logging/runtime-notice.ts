/**
 * The AWS SDK for JavaScript v3 prints a multi-line NodeVersionSupportWarning
 * (process.emitWarning) on Node < 22 — once per copy of @aws-sdk/core, so
 * twice when a process loads two clients — which reads like a fault on every
 * start. The SDK's own switch turns off exactly that warning and no other
 * (@aws-sdk/core emitWarningIfUnsupportedVersion reads
 * AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED); the fact it carries is
 * kept as one structured info line instead.
 */
import type { Logger } from './types';

export const SDK_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

export function quietSdkNodeWarning(logger: Logger, env: NodeJS.ProcessEnv = process.env, nodeVersion = process.version): void {
  const major = Number(/^v(\d+)/.exec(nodeVersion)?.[1] ?? 0);
  if (major >= 22) return;
  env[SDK_WARNING_SWITCH] ??= 'true';
  logger.info('running on Node.js below 22: AWS SDK releases after the first week of January 2027 require Node.js >= 22 (the Docker image runs Node 24)', {
    node: nodeVersion,
  });
}
