/**
 * Starts an HTTP app on host:port and gives back its URL and a close that
 * does not wait for keep-alive connections (polling pages hold them open).
 * Shared by the operators' console and the register server.
 */
import { once } from 'node:events';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  /** http://host:port, with the port actually bound (port 0 picks a free one). */
  url: string;
  close(): Promise<void>;
}

export async function listen(
  app: RequestListener & { listen(port: number, host: string): Server },
  host: string,
  port: number,
): Promise<Listening> {
  const server = app.listen(port, host);
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
