import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The admin listener of the bench's own servers (inline, node:cluster): POST /reload answers
 * `{ ok, generation, durationMs }` the way `genswap serve`'s admin listener does, so the reload
 * driver (support/reload-driver.ts) drives them all alike; a refused reload answers 422.
 */
export interface ReloadDone {
  readonly generation: number;
  readonly durationMs: number;
}

export interface ReloadAdmin {
  readonly url: string;
  close(): void;
}

/** Listens on 127.0.0.1, a free port; resolves with the address. */
export function listenLoopback(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** `reload` runs one reload; `generation` names the one serving (for a refusal's answer). */
export async function startReloadAdmin(reload: () => Promise<ReloadDone>, generation: () => number): Promise<ReloadAdmin> {
  const server = createServer((req, res) => {
    req.resume();
    if (req.method !== 'POST' || req.url !== '/reload') {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/json');
    reload().then(
      (done) => res.end(JSON.stringify({ ok: true, ...done })),
      (err: unknown) => {
        res.statusCode = 422;
        res.end(JSON.stringify({ ok: false, generation: generation(), error: String(err) }));
      },
    );
  });
  const address = await listenLoopback(server);
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}
