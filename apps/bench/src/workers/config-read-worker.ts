import type { GatewayConfig } from '@genswap/gateway';
import { defineWorker } from '@genswap/supervisor/worker';
import { gatewayCodec } from '../support/gateway-modules.js';

/**
 * The supervised no-op (throughput scenario): the task pins the current generation, reads one
 * field of the gateway config, and releases the pin. All the cost is genswap's per-task cost.
 */
export default defineWorker((task: number, config: GatewayConfig) => task + config.settings.statuses.allow, { codec: gatewayCodec });
