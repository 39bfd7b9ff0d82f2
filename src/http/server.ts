/**
 * Binds an admin app to a port. Kept apart from the factory so tests drive the
 * app in-process without ever opening a port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

export interface AdminServer {
  /** The bound port (useful when 0 was asked for). */
  port: number;
  /** Stops accepting connections, drops idle keep-alive ones, resolves when closed. */
  close(): Promise<void>;
}

export function startAdminServer(
  app: express.Application,
  options: { host: string; port: number },
): Promise<AdminServer> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.removeListener('error', onError);
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            // Probes and scrapes keep connections alive; do not wait for their timeout.
            server.closeIdleConnections();
          }),
      });
    });
  });
}
