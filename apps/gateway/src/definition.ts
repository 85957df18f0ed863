import type { ConfigDefinition } from '@genswap/config';
import type { AppModule } from '@genswap/supervisor';
import { gatewayCodec } from './codec/gateway-codec.js';
import { compileGateway } from './config/compile.js';
import type { GatewayConfig } from './config/gateway-config.js';
import { gatewaySchema } from './config/schema.js';
import type { GatewayState } from './handler.js';
import { createRateLimitState } from './rate-limit/rate-limit-state.js';

/**
 * `@genswap/gateway/definition`: what `genswap serve` loads in the primary. Together
 * `{ definition, codec, createState }` form the gateway's AppModule.
 */

/**
 * Schema + compile step: YAML in, GatewayConfig (with merged range tables) out. A reload
 * validates and compiles only the top-level sections that changed (compile.ts keeps what it
 * built from the others; it never mutates its input, and no default is computed by the clock).
 */
export const definition: ConfigDefinition<typeof gatewaySchema, GatewayConfig> = Object.freeze({
  schema: gatewaySchema,
  compile: compileGateway,
  reuseUnchangedSections: true,
});

/** The zero-copy codec: range tables are read in place from the generation's shared bytes. */
export const codec = gatewayCodec;

/** Primary side, once: the shared rate-limit table every worker gets as ctx.state. */
export function createState(): GatewayState {
  return createRateLimitState();
}

export const app: AppModule<GatewayConfig, GatewayState> = Object.freeze({ definition, codec, createState });
