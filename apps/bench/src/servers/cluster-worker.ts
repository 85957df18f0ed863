/**
 * A process of the node:cluster alternative (see cluster-server.ts): it serves the verdict
 * inline (verdict-http.ts) with its own decoded copy of the config the primary last sent, and
 * its own rate-limit table. It imports only the handler, the codec and the rate-limit table, as
 * genswap's worker threads do.
 */
import { createRateLimitState, gatewayCodec } from '../support/gateway-modules.js';
import type { ConfigMessage, ToPrimary } from './cluster-protocol.js';
import { createVerdictServer, type ServedConfig } from './verdict-http.js';

let served: ServedConfig | undefined;
const server = createVerdictServer(() => served!, createRateLimitState());
const send = (m: ToPrimary): void => void process.send!(m);

/** The codec reads its tables as Uint32Array views: they need the bytes at an aligned offset. */
function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
}

process.on('message', (m: ConfigMessage) => {
  if (m.kind !== 'config') return;
  const first = served === undefined;
  served = { config: gatewayCodec.decode(aligned(m.bytes)), generation: m.generation };
  send({ kind: 'applied', generation: m.generation });
  // Port 0 in a cluster: every process gets the primary's one listening socket.
  if (first) server.listen(0, '127.0.0.1');
});
send({ kind: 'ready' });
