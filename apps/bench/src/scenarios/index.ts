import type { Scenario } from '../harness.js';

/** Every scenario, by name, loaded only when run (each runs in its own process). */
export const SCENARIOS: Readonly<Record<string, () => Promise<Scenario>>> = {
  acquire: async () => (await import('./acquire.js')).scenario,
  'big-list': async () => (await import('./big-list.js')).scenario,
  'config-load': async () => (await import('./config-load.js')).scenario,
  'reload-visibility': async () => (await import('./reload-visibility.js')).scenario,
};
