import type { AddressInfo, ListenOptions, Server } from 'node:net';

/**
 * `server.listen(options)` as a promise of the bound address. `onListening` runs inside the
 * listening callback itself, before this event loop polls the new socket (listen-socket.ts hands
 * the socket over in that tick). Rejects with the listen error as Node gives it.
 */
export function listen(server: Server, options: ListenOptions | { fd: number } | (ListenOptions & { reusePort: boolean }), onListening?: () => void): Promise<AddressInfo> {
  return new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      onListening?.();
      resolve(address);
    });
  });
}
