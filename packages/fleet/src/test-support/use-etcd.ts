import { afterAll, beforeAll } from 'vitest';
import { EtcdClient } from '../etcd/etcd-client.js';
import { EtcdServer } from '../testing/etcd-server.js';

/**
 * A throwaway etcd for the enclosing describe block: started before its tests, stopped after.
 * `ready` gets a client of it once it is up. (Vitest-only, so it lives apart from
 * testing/etcd-server.ts, which the bench imports too.)
 */
export function useEtcd(ready: (etcd: EtcdClient) => void): EtcdServer {
  const server = new EtcdServer();
  beforeAll(async () => {
    await server.start();
    ready(new EtcdClient(server.endpoint));
  });
  afterAll(() => server.stop());
  return server;
}
