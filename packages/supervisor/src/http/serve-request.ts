import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpResult, HttpTask } from '../http-contract.js';

/** Response header naming the generation that answered. */
export const GENERATION_HEADER = 'x-genswap-generation';
/** Response header naming the fleet revision of the config that answered (fleet mode only). */
export const FLEET_REVISION_HEADER = 'x-genswap-fleet-revision';
/** Response header naming the thread that answered. */
export const THREAD_HEADER = 'x-genswap-thread';

/**
 * Headers of which Node keeps only the first copy (the rest are duplicates a client may use to
 * smuggle a second value past one reader and not another); every other header's copies are joined
 * with ", " (cookie with "; "), as `req.headers` does.
 */
const FIRST_WINS = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after',
  'server', 'user-agent',
]);

/**
 * The prototype of every task's headers: empty, frozen, with no prototype of its own. A name a
 * client chooses, such as `__proto__` or `constructor`, is then an ordinary key of the headers
 * (no setter, nothing inherited), as in a null-prototype object; but unlike `Object.create(null)`,
 * which V8 keeps in dictionary mode, an object with a prototype has fast properties. A handler
 * reads several headers of every request: on serve-throughput's setup this took ~4% off the CPU
 * of a request (an 8-round A/B, 14.0 against 13.3 us).
 */
const NO_INHERITED = Object.freeze(Object.create(null) as object);

/**
 * The HttpTask of a request. Header names are keys of an object that inherits nothing
 * (NO_INHERITED): a client-chosen name such as `__proto__` or `constructor` is an ordinary key there.
 */
export function taskOf(req: IncomingMessage): HttpTask {
  const headers = Object.create(NO_INHERITED) as Record<string, string | undefined>;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const seen = headers[name];
    if (seen === undefined) headers[name] = value;
    else if (!FIRST_WINS.has(name)) headers[name] = `${seen}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return { method: req.method ?? 'GET', url: req.url ?? '/', headers, remoteAddress: req.socket.remoteAddress ?? '' };
}

export function isHttpResult(value: unknown): value is HttpResult {
  const r = value as HttpResult | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    Number.isInteger(r.status) &&
    r.status >= 200 &&
    r.status <= 599 &&
    (r.body === undefined || typeof r.body === 'string') &&
    (r.headers === undefined || (typeof r.headers === 'object' && r.headers !== null))
  );
}

/** Headers serve sets itself: a handler's copy of one is dropped, never sent twice. */
const OWN_HEADERS = new Set([GENERATION_HEADER, FLEET_REVISION_HEADER, THREAD_HEADER, 'content-length', 'connection', 'transfer-encoding']);
/** Names a handler answered with, and whether each is one of OWN_HEADERS in some case: a handler's names are mostly its constants. */
const ownByName = new Map<string, boolean>();
const OWN_BY_NAME_MAX = 256;
function isOwnHeader(name: string): boolean {
  let own = ownByName.get(name);
  if (own === undefined) {
    own = OWN_HEADERS.has(name.toLowerCase());
    if (ownByName.size < OWN_BY_NAME_MAX) ownByName.set(name, own);
  }
  return own;
}

/**
 * The headers serve adds to every answer of one generation on one thread, as name/value pairs:
 * the generation, its fleet revision when not 0, and the thread. A thread renders them once per
 * generation (http-thread.ts): a generation's revision is labelled before it is published and
 * never changes afterwards (generation-labels.ts, L1).
 */
export function answerStamp(generation: number, threadId: number, revision = 0): readonly string[] {
  return revision > 0
    ? [GENERATION_HEADER, String(generation), FLEET_REVISION_HEADER, String(revision), THREAD_HEADER, String(threadId)]
    : [GENERATION_HEADER, String(generation), THREAD_HEADER, String(threadId)];
}

/** Writes a handler's answer (or one of serve's own) with the headers of `stamp` (answerStamp). */
export function writeAnswer(res: ServerResponse, status: number, headers: Readonly<Record<string, string>> | undefined, body: string, stamp: readonly string[], close: boolean): void {
  if (res.destroyed || res.headersSent) return;
  const flat: string[] = [];
  if (headers !== undefined) {
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (typeof value === 'string' && !isOwnHeader(name)) flat.push(name, value);
    }
  }
  for (let i = 0; i < stamp.length; i++) flat.push(stamp[i]!);
  // 204 and 304 answers have no body (RFC 9110): Node sends none, so announcing one would leave a
  // keep-alive client waiting for bytes that never come. A HEAD answer keeps its content-length.
  const bodiless = status === 204 || status === 304;
  if (!bodiless) flat.push('content-length', String(Buffer.byteLength(body)));
  if (close) flat.push('connection', 'close');
  res.writeHead(status, flat);
  res.end(bodiless ? undefined : body);
}

/** The file descriptor of a socket (Unix), or -1. Used only to answer a stalled request (H3). */
export function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}

/** The raw bytes of a 503 the primary writes for a request whose thread stalled (see H3). */
export const STALLED_ANSWER = Buffer.from(
  'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 31\r\n\r\nthe serving thread was stalled\n',
);
