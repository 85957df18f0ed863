import { defineWorker } from '@genswap/supervisor/worker';
import { gatewayCodec } from './codec/gateway-codec.js';
import { handleRequest } from './handler.js';

/**
 * `@genswap/gateway/worker`: the piscina worker module `genswap serve` runs. Each task pins the
 * newest generation, runs the handler on it and releases the pin.
 */
export default defineWorker(handleRequest, { codec: gatewayCodec });
