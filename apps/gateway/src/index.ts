export { app, codec, createState, definition } from './definition.js';
export { handleRequest, handleRequestAt } from './handler.js';
export type { GatewayState } from './handler.js';
export { decodeGateway, encodeGateway, gatewayCodec } from './codec/gateway-codec.js';
export { compileGateway, MAX_PROBLEMS_PER_LIST } from './config/compile.js';
export { gatewaySchema } from './config/schema.js';
export type { GatewayInput } from './config/schema.js';
export type {
  GatewayConfig,
  GatewayLists,
  GatewaySettings,
  HeaderCondition,
  LimitSpec,
  RuleAction,
  RuleSpec,
  Statuses,
  Verdict,
} from './config/gateway-config.js';
export { GATEWAY_ERRORS, GatewayError } from './errors.js';
export type { GatewayErrorCode } from './errors.js';
export { FAMILY_NONE, FAMILY_V4, FAMILY_V6, formatIPv4, formatIPv6, parseIp } from './ip/ip-address.js';
export type { Family } from './ip/ip-address.js';
export { newCidrBounds, parseCidr } from './ip/cidr.js';
export { containsAddress, emptyRanges, findV4, findV6, listContains, rangeCount } from './ip/ip-ranges.js';
export type { IpRanges, RangeList } from './ip/ip-ranges.js';
export { MAX_RANGES_PER_FAMILY, RangeSetBuilder } from './ip/range-set-builder.js';
export { MAX_TABLE_BYTES, MAX_V4_RANGES, MAX_V6_RANGES, TableBudget } from './ip/table-budget.js';
export { createRateLimitState, rateTableFor } from './rate-limit/rate-limit-state.js';
export type { RateLimitState, RateLimitStateOptions } from './rate-limit/rate-limit-state.js';
export { RateTable } from './rate-limit/rate-table.js';
export type { HitResult, RateTableStats } from './rate-limit/rate-table.js';
export { finishHash, hashString, hashWord, newKeyHash, startHash } from './rate-limit/key-hash.js';
export type { KeyHash } from './rate-limit/key-hash.js';
export { checkRegex, MAX_PROGRAM_SIZE, MAX_REGEX_LENGTH } from './rules/linear-regex.js';
