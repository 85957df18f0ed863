/**
 * Which forwarding headers a trusted proxy sets. A proxy passes through whatever else the
 * client sent, so a header is believed only from a proxy configured to set it: behind
 * Traefik, a client's own `X-Original-URI` must not beat the `X-Forwarded-Uri` Traefik wrote.
 */

/** Every forwarding header the gateway can read, lower case. */
export const FORWARDING_HEADERS = [
  'x-forwarded-for',
  'x-real-ip',
  'x-envoy-external-address',
  'x-original-uri',
  'x-original-method',
  'x-forwarded-uri',
  'x-forwarded-method',
  'x-forwarded-host',
] as const;

export type ForwardingHeader = (typeof FORWARDING_HEADERS)[number];

/**
 * What each proxy sets when configured as its auth integration is documented:
 * - nginx `auth_request` (apps/gateway/README.md's snippet): X-Original-URI, X-Original-Method,
 *   X-Real-IP, X-Forwarded-For ($proxy_add_x_forwarded_for), X-Forwarded-Host.
 * - Envoy `ext_authz` (HTTP service, no path_prefix): the check request carries the original
 *   method, path and :authority itself; Envoy appends X-Forwarded-For and, as an edge proxy,
 *   sets X-Envoy-External-Address.
 * - Traefik `forwardAuth`: X-Forwarded-Method, X-Forwarded-Uri, X-Forwarded-Host,
 *   X-Forwarded-For.
 */
export const PROXY_PRESETS = {
  nginx: ['x-forwarded-for', 'x-real-ip', 'x-original-uri', 'x-original-method', 'x-forwarded-host'],
  envoy: ['x-forwarded-for', 'x-envoy-external-address'],
  traefik: ['x-forwarded-for', 'x-forwarded-uri', 'x-forwarded-method', 'x-forwarded-host'],
} as const satisfies Record<string, readonly ForwardingHeader[]>;

export type ProxyPreset = keyof typeof PROXY_PRESETS;

/** Header lookup by a name that may come from config or a client: own string values only. */
export function headerValue(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  if (!Object.hasOwn(headers, name)) return undefined;
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}
