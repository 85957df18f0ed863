/**
 * Worker-side pieces of @genswap/gateway, imported by file rather than through the package
 * index: the index also loads the zod schema (~40 ms more per thread start here), which a worker
 * never needs. genswap's own worker entry (@genswap/gateway/worker) loads only the handler and
 * codec; the alternatives built in the bench load the same (plus the rate-limit state, which
 * each node:cluster process makes for itself), so neither pays for the other's imports.
 */
import type { Codec } from '@genswap/core';
import type { GatewayConfig, GatewayState, RateLimitStateOptions } from '@genswap/gateway';
import type { HttpResult, HttpTask, TaskContext } from '@genswap/supervisor';

const gatewayDist = new URL('./', import.meta.resolve('@genswap/gateway'));

export const { handleRequest } = (await import(new URL('handler.js', gatewayDist).href)) as {
  handleRequest: (task: HttpTask, config: GatewayConfig, ctx: TaskContext<GatewayState>) => HttpResult;
};

export const { gatewayCodec } = (await import(new URL('codec/gateway-codec.js', gatewayDist).href)) as {
  gatewayCodec: Codec<GatewayConfig>;
};

export const { createRateLimitState } = (await import(new URL('rate-limit/rate-limit-state.js', gatewayDist).href)) as {
  createRateLimitState: (options?: RateLimitStateOptions) => GatewayState;
};
