/**
 * Where fleet mode keeps things in etcd, all under one prefix P:
 *
 *   P/manifest              the live manifest (small JSON); publishers swap it by compare-and-swap
 *   P/manifests/<rev>       every manifest ever published, kept so rollback needs no etcd history
 *   P/chunks/<sha256>       content-addressed pieces of config and list files (each < 1 MiB)
 *   P/instances/<id>        each live instance's report, under its lease (gone when it dies)
 *   P/members/<id>          the same report without a lease: what `fleet status` shows as GONE
 */
export interface FleetKeys {
  readonly prefix: string;
  readonly manifest: string;
  manifestAt(revision: number): string;
  readonly manifests: string;
  readonly chunks: string;
  chunk(sha256: string): string;
  readonly instances: string;
  instance(id: string): string;
  readonly members: string;
  member(id: string): string;
}

export function fleetKeys(prefix: string): FleetKeys {
  const p = prefix.replace(/\/+$/, '');
  return {
    prefix: p,
    manifest: `${p}/manifest`,
    // Zero-padded so a prefix range lists them in revision order.
    manifestAt: (revision) => `${p}/manifests/${String(revision).padStart(12, '0')}`,
    manifests: `${p}/manifests/`,
    chunks: `${p}/chunks/`,
    chunk: (sha256) => `${p}/chunks/${sha256}`,
    instances: `${p}/instances/`,
    instance: (id) => `${p}/instances/${id}`,
    members: `${p}/members/`,
    member: (id) => `${p}/members/${id}`,
  };
}
