import { Agent } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { ConfigDir, type EchoBody } from './fixtures/serve/config-dir.js';
import { get, type HttpAnswer, killAll, post, startServe } from './fixtures/serve/serve-process.js';

let dir: ConfigDir | undefined;
let agent: Agent | undefined;

afterEach(async () => {
  agent?.destroy();
  await killAll();
  dir?.cleanup();
});

/**
 * No half-old, half-new answers: while the config is rewritten and reloaded every few
 * milliseconds under concurrent load, every answer's body (version, label, list-file words)
 * must come from exactly the config file that produced the generation named in its
 * `x-genswap-generation` header. The test learns generation -> version from each reload's
 * outcome (POST /reload waits for it); version N is written with label vN and words-N.txt.
 */
it('under load with reloads every few ms, every answer matches the generation in its header', async () => {
  dir = new ConfigDir();
  dir.write(1);
  const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0', '--log-level', 'warn']);
  agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const versionOf = new Map<number, number>([[1, 1]]);
  const answers: HttpAnswer[] = [];
  let stop = false;

  const load = async (i: number): Promise<void> => {
    for (let n = 0; !stop; n++) {
      // Some requests sleep 1-3 ms inside the handler, so tasks straddle publishes.
      const url = n % 3 === 0 ? `${serve.url}/?op=sleep&ms=${1 + (n % 3) + (i % 2)}` : `${serve.url}/`;
      answers.push(await get(url, agent));
    }
  };
  const loops = Array.from({ length: 8 }, (_, i) => load(i));

  let version = 1;
  for (let r = 0; r < 40; r++) {
    dir.write(++version);
    const { status, json } = await post(`${serve.admin!}/reload`);
    expect(status).toBe(200);
    versionOf.set(json.generation as number, version);
    await new Promise((resolve) => setTimeout(resolve, 3)); // pacing: a reload every few ms, not a wait for a condition
  }
  stop = true;
  await Promise.all(loops);

  expect(answers.length).toBeGreaterThan(200);
  const generationsSeen = new Set<number>();
  for (const a of answers) {
    expect(a.status).toBe(200);
    const body = JSON.parse(a.body) as EchoBody;
    const expected = versionOf.get(a.generation);
    expect(expected, `generation ${a.generation} was published by a reload`).toBeDefined();
    expect(body.generation).toBe(a.generation);
    expect(body).toMatchObject({ version: expected, label: `v${expected}`, words: [`alpha-${expected}`, `beta-${expected}`] });
    generationsSeen.add(a.generation);
  }
  // The load really ran across many generations.
  expect(generationsSeen.size).toBeGreaterThanOrEqual(10);
});
