import type { Scenario } from '../harness.js';
import type { DebianPackage } from '../support/debian-packages.js';

/** Every scenario, by name, loaded only when run (each runs in its own process). */
export const SCENARIOS: Readonly<Record<string, () => Promise<Scenario>>> = {
  acquire: async () => (await import('./acquire.js')).scenario,
  'big-config': async () => (await import('./big-config.js')).scenario,
  'big-list': async () => (await import('./big-list.js')).scenario,
  'config-load': async () => (await import('./config-load.js')).scenario,
  'reload-visibility': async () => (await import('./reload-visibility.js')).scenario,
  throughput: async () => (await import('./throughput.js')).scenario,
  'memory-churn': async () => (await import('./memory-churn.js')).scenario,
  'reload-storm': async () => (await import('./reload-storm.js')).scenario,
  'reload-stall': async () => (await import('./reload-stall.js')).scenario,
  'anchor-big-list': async () => (await import('./anchor-big-list.js')).scenario,
  'anchor-reload-storm': async () => (await import('./anchor-reload-storm.js')).scenario,
  'serve-throughput': async () => (await import('./serve-throughput.js')).scenario,
  'incremental-reload': async () => (await import('./incremental-reload.js')).scenario,
  'fleet-publish': async () => (await import('./fleet-publish.js')).scenario,
};

/** Node flags a scenario's process needs (main.ts passes them to run-one). */
export const NODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  'memory-churn': ['--expose-gc'],
};

/** Debian packages a scenario runs against; main.ts installs the missing ones before it starts. */
export const DEBIAN_PACKAGES: Readonly<Record<string, readonly DebianPackage[]>> = {
  'anchor-big-list': ['nginx', 'haproxy'],
  'anchor-reload-storm': ['wrk', 'nginx', 'haproxy'],
  'serve-throughput': ['wrk'],
  'fleet-publish': ['etcd-server'],
};
