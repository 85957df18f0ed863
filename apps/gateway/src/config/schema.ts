import { z } from 'zod';
import { FORWARDING_HEADERS } from '../request/forwarding-headers.js';

/**
 * The gateway config file's schema (zod 4). Every object is strict, so a misspelled key is an
 * error with its location rather than a silently ignored setting. Every field has a default:
 * an empty file is a valid config that allows every request.
 *
 * Checks that need more than one field, or file contents (CIDRs, regex safety, list files,
 * limit references), happen in compile.ts so they can report precise codes.
 */

/** An HTTP token (RFC 9110 `tchar`s): what a header name or a method may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Names of rules and limits: short, printable, safe to echo in a response header. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
/** A host name or `*.` wildcard, lower or upper case, optional port is not part of it. */
const HOST = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$/;

const cidr = z.string().trim().min(1).max(100);
const cidrList = z.array(cidr).default(() => []);

/**
 * A trusted proxy names the forwarding headers it sets: a preset, or the headers themselves.
 * A bare CIDR is accepted by the schema so that compile can say what to write instead.
 */
const trustedProxy = z.union([
  z.string(),
  z.strictObject({
    addresses: z.array(cidr).min(1),
    sets: z.union([z.enum(['nginx', 'envoy', 'traefik']), z.array(z.enum(FORWARDING_HEADERS)).min(1)], {
      error: `must be nginx, envoy, traefik, or a list of: ${FORWARDING_HEADERS.join(', ')}`,
    }),
  }),
]);
const fileList = z.array(z.string().min(1).max(4096)).default(() => []);
const pattern = z.string().min(1);

const headerCondition = z.strictObject({
  name: z.string().regex(TOKEN, 'must be a header name (letters, digits and !#$%&\'*+.^_`|~-)'),
  present: z.boolean().optional(),
  equals: z.string().optional(),
  regex: pattern.optional(),
});

const match = z
  .strictObject({
    methods: z.array(z.string().regex(TOKEN, 'must be an HTTP method')).min(1).optional(),
    path: z.string().startsWith('/', 'must start with /').optional(),
    pathEquals: z.string().startsWith('/', 'must start with /').optional(),
    pathRegex: pattern.optional(),
    hosts: z.array(z.string().regex(HOST, 'must be a host name, optionally starting with *.')).min(1).optional(),
    userAgent: pattern.optional(),
    headers: z.array(headerCondition).min(1).optional(),
  })
  .prefault({});

const rule = z.strictObject({
  name: z.string().regex(NAME, 'must be 1-64 letters, digits, _ . : - (starting with a letter or digit)').optional(),
  match,
  action: z.enum(['allow', 'deny', 'limit']),
  limit: z.string().optional(),
});

const limit = z.strictObject({
  requests: z.int().min(1).max(1_000_000),
  windowSeconds: z.int().min(1).max(86_400),
  key: z
    .union([z.literal('ip'), z.string().regex(/^header:[!#$%&'*+.^_`|~0-9A-Za-z-]+$/)], {
      error: 'must be "ip" or "header:<header name>"',
    })
    .default('ip'),
  ipv4Prefix: z.int().min(1).max(32).default(32),
  ipv6Prefix: z.int().min(1).max(128).default(64),
});

export const gatewaySchema = z.strictObject({
  trustedProxies: z.array(trustedProxy).default(() => []),
  unparseableClient: z.enum(['deny', 'unknown']).default('deny'),
  ip: z
    .strictObject({
      allow: cidrList,
      deny: cidrList,
      allowFiles: fileList,
      denyFiles: fileList,
    })
    .prefault({}),
  rules: z.array(rule).max(1000).default(() => []),
  limits: z.record(z.string().regex(NAME, 'limit names must be 1-64 letters, digits, _ . : -'), limit).default(() => ({})),
  statuses: z
    .strictObject({
      allow: z.int().min(200).max(299).default(200),
      deny: z.int().min(400).max(599).default(403),
      limited: z.int().min(400).max(599).default(429),
    })
    .prefault({}),
});

/** The validated (not yet compiled) config. */
export type GatewayInput = z.output<typeof gatewaySchema>;
