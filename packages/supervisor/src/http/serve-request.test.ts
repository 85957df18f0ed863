import { createServer, request, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { answerStamp, taskOf, writeAnswer } from './serve-request.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** Two requests on one keep-alive connection; resolves with each answer's status, headers and body. */
async function twice(status: number, method = 'GET', headers: Record<string, string> = { 'x-rule': 'r' }, stamp = answerStamp(7, 3)) {
  server = createServer((_req, res) => writeAnswer(res, status, headers, 'a body the handler returned\n', stamp, false));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const one = () =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string; reused: boolean }>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', method, agent, timeout: 2000 }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, reused: req.reusedSocket }));
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 2 s')));
      req.on('error', reject);
      req.end();
    });
  try {
    return [await one(), await one()];
  } finally {
    agent.destroy();
  }
}

describe('taskOf', () => {
  const requestWith = (rawHeaders: string[]): IncomingMessage =>
    ({ rawHeaders, method: 'GET', url: '/x?y=1', socket: { remoteAddress: '127.0.0.1' } }) as unknown as IncomingMessage;

  it('keeps a header named like an inherited property as an ordinary key, and inherits nothing', () => {
    const { headers } = taskOf(requestWith(['__proto__', 'a', 'Constructor', 'b', 'toString', 'c']));
    expect(Object.keys(headers)).toEqual(['__proto__', 'constructor', 'tostring']);
    expect([headers.__proto__, headers.constructor, headers.tostring]).toEqual(['a', 'b', 'c']);
    const none = taskOf(requestWith(['Host', 'h'])).headers;
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']) {
      expect(none[name], name).toBeUndefined();
      expect(name in none, name).toBe(false);
    }
    const proto = Object.getPrototypeOf(none) as object;
    expect(Object.getPrototypeOf(proto)).toBeNull();
    expect(Object.isFrozen(proto)).toBe(true);
  });

  it("joins repeats as Node does: ', ', '; ' for cookie, the first for user-agent and the rest of Node's list", () => {
    const task = taskOf(requestWith(['X-Forwarded-For', '1.1.1.1', 'Cookie', 'a=1', 'User-Agent', 'first', 'x-forwarded-for', '2.2.2.2', 'cookie', 'b=2', 'user-agent', 'sqlmap']));
    expect(task.headers).toEqual({ 'x-forwarded-for': '1.1.1.1, 2.2.2.2', cookie: 'a=1; b=2', 'user-agent': 'first' });
    expect(task).toMatchObject({ method: 'GET', url: '/x?y=1', remoteAddress: '127.0.0.1' });
  });
});

describe('writeAnswer', () => {
  it('announces the body it sends, with the generation and thread headers', async () => {
    const [a, b] = await twice(200);
    expect(a).toMatchObject({ status: 200, body: 'a body the handler returned\n', reused: false });
    expect(a!.headers).toMatchObject({ 'content-length': '28', 'x-genswap-generation': '7', 'x-genswap-thread': '3', 'x-rule': 'r' });
    expect(b).toMatchObject({ status: 200, reused: true });
  });

  it.each([204, 304])('regression: a %i answer announces no body, so the keep-alive connection carries the next request', async (status) => {
    const [a, b] = await twice(status);
    expect(a).toMatchObject({ status, body: '', reused: false });
    expect(a!.headers['content-length']).toBeUndefined();
    expect(b).toMatchObject({ status, body: '', reused: true });
  });

  it('a HEAD answer keeps the content-length of the body it does not send', async () => {
    const [a, b] = await twice(200, 'HEAD');
    expect(a).toMatchObject({ status: 200, body: '' });
    expect(a!.headers['content-length']).toBe('28');
    expect(b).toMatchObject({ status: 200, reused: true });
  });

  it("drops a handler's copy of a header serve sets itself, in any case, and keeps the rest", async () => {
    const own = { 'X-Genswap-Generation': '1', 'content-LENGTH': '999', Connection: 'close', 'x-genswap-thread': '9', 'Transfer-Encoding': 'chunked', 'X-Rule': 'r' };
    // Twice per server, and two servers: the second pair of answers goes through the names remembered by the first.
    for (let round = 0; round < 2; round++) {
      const [a, b] = await twice(200, 'GET', own);
      expect(a!.headers).toMatchObject({ 'content-length': '28', 'x-genswap-generation': '7', 'x-genswap-thread': '3', 'x-rule': 'r' });
      expect(a!.headers['transfer-encoding']).toBeUndefined();
      expect(b).toMatchObject({ status: 200, body: 'a body the handler returned\n', reused: true });
      await new Promise((resolve) => server!.close(resolve));
      server = undefined;
    }
  });

  it('names the fleet revision only when there is one', async () => {
    expect(answerStamp(7, 3, 0)).not.toContain('x-genswap-fleet-revision');
    const [a] = await twice(200, 'GET', {}, answerStamp(8, 2, 41));
    expect(a!.headers).toMatchObject({ 'x-genswap-generation': '8', 'x-genswap-fleet-revision': '41', 'x-genswap-thread': '2' });
  });
});
