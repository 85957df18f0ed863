/**
 * The gateway's modules, what `serve` and `validate` use when no --schema / --handler is given.
 * Resolved from this package (the gateway is its dependency) and then handed to the one module
 * resolver of @genswap/supervisor as URLs, like any module a user names. Built from a variable
 * so TypeScript does not resolve them at build time: the CLI builds whether or not the gateway
 * is built.
 */
export function gatewayModule(name: 'definition' | 'worker'): string {
  const specifier = `@genswap/gateway/${name}`;
  return import.meta.resolve(specifier);
}
