// Turns the replay of a counter-example (`spin -t -p`) into plain words. store.pml narrates
// every step that touches shared memory with a printf starting with "@@ "; pan ignores those
// while it searches, and the replay prints them in order. The property that failed is the
// comment that follows the failing assert on its source line.

/**
 * @param {string} replay stdout of `spin -t -p ...`
 * @param {string} source the model text (the same file the trail was made from)
 * @param {string} panOutput stdout of the pan run that wrote the trail
 */
export function readTrail(replay, source, panOutput) {
  const steps = [];
  let line;
  let assertion;
  for (const raw of replay.split('\n')) {
    // `-p` lines ("  12:\tproc  2 (Reader:1) store.pml:415 ...") show the statement itself,
    // printf included; the narration is the printf's own output, on a line of its own.
    const narrated = raw.indexOf('@@ ');
    if (narrated >= 0 && !/^\s*\d+:\s+proc\s/.test(raw)) {
      addStep(steps, raw.slice(narrated + 3).trim());
      continue;
    }
    const at = /^spin: .*?:(\d+), Error: (.*)$/.exec(raw);
    if (at && line === undefined) line = Number(at[1]);
    const text = /^spin: text of failed assertion: (.*)$/.exec(raw);
    if (text && assertion === undefined) assertion = text[1];
  }
  const sourceLines = source.split('\n');
  let property;
  if (line !== undefined) {
    const comment = /\/\*\s*(.*?)\s*\*\//.exec(sourceLines[line - 1] ?? '');
    property = comment?.[1];
  }
  const panError = /^pan:\d+: (.*?) \(at depth \d+\)/m.exec(panOutput)?.[1];
  if (property === undefined) property = panError ?? 'unknown error';
  let kind = 'safety';
  if (property.startsWith('LIVENESS')) kind = 'liveness';
  else if (/invalid end state/.test(panError ?? '')) kind = 'deadlock';
  else if (/invalid array index|indexing/.test(panError ?? '')) kind = 'model error';
  return { steps, property, kind, line, assertion };
}

/** Consecutive pin loads of one scan read better as one step. */
function addStep(steps, step) {
  const load = /^primary: loads (row \d+ PIN\[\d+\] = \d+)$/.exec(step);
  const last = steps.length - 1;
  if (load && last >= 0 && steps[last].startsWith('primary: loads the pins: ')) {
    steps[last] += `, ${load[1]}`;
  } else if (load) {
    steps.push(`primary: loads the pins: ${load[1]}`);
  } else {
    steps.push(step);
  }
}

/** A counter-example as a numbered list of steps followed by what it violates. */
export function formatTrail(trail, indent = '    ') {
  const width = String(trail.steps.length).length;
  const out = trail.steps.map((step, i) => `${indent}${String(i + 1).padStart(width)}. ${step}`);
  const where = trail.line !== undefined ? ` (store.pml:${trail.line}${trail.assertion ? `, ${trail.assertion}` : ''})` : '';
  out.push(`${indent}=> violates ${trail.property}${where}`);
  return out.join('\n');
}
