/**
 * Root hooks for the integration suite: fail fast, with the fix, when the local
 * stack is not up (npm test brings it up through scripts/with-stack).
 */
import net from 'node:net';
import { isEmulatorUp } from '../support/firehose-admin';
import { EMULATOR, PLAIN_PORT, SSL_PORT, stackLooksUp } from './support/harness';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(30_000);
    const problems: string[] = [];
    if (!stackLooksUp()) problems.push('certificates missing in certs/ (scripts/generate-ssl-certs.sh)');
    if (!(await portOpen(SSL_PORT))) problems.push(`Kafka SSL listener 127.0.0.1:${SSL_PORT} not reachable (npm run stack:up)`);
    if (!(await portOpen(PLAIN_PORT))) problems.push(`Kafka PLAINTEXT listener 127.0.0.1:${PLAIN_PORT} not reachable (npm run stack:up)`);
    if (!(await isEmulatorUp(EMULATOR))) problems.push(`Firehose/S3 emulator ${EMULATOR} not reachable (npm run stack:up)`);
    if (problems.length > 0 && process.env.WSQC_REQUIRE_STACK !== '0') {
      throw new Error(`integration tests need the local stack:\n  - ${problems.join('\n  - ')}\nRun them with \`npm test\`, which starts it.`);
    }
  },
};
