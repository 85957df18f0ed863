/**
 * The path rules match against: the request target without query or fragment, percent-decoded,
 * with repeated slashes merged and `.` / `..` segments resolved (never above the root).
 *
 * Why: a rule `path: /admin` must not be bypassed with `/%61dmin`, `//admin`, `/x/../admin`
 * or `/./admin`, which the upstream server would all route to /admin. An undecodable escape
 * (`%zz`, a lone UTF-8 byte) is kept as written.
 */
export function normalizePath(target: string): string {
  let end = target.length;
  const query = target.indexOf('?');
  if (query >= 0) end = query;
  const hash = target.indexOf('#');
  if (hash >= 0 && hash < end) end = hash;
  let path = end === target.length ? target : target.slice(0, end);
  // An absolute-form target (`GET http://host/path`): keep only the path.
  if (path.charCodeAt(0) !== 47 /* / */) {
    const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
    path = scheme !== null ? path.slice(scheme[0].length) : `/${path}`;
  }
  if (path.indexOf('%') >= 0) path = decodePercent(path);
  // Fast path: nothing to resolve.
  if (path.indexOf('//') < 0 && path.indexOf('/.') < 0) return path === '' ? '/' : path;
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === '' && i < segments.length - 1) continue; // merged slash
    if (segment === '.') {
      if (i === segments.length - 1) out.push('');
      continue;
    }
    if (segment === '..') {
      out.pop();
      if (i === segments.length - 1) out.push('');
      continue;
    }
    out.push(segment);
  }
  return `/${out.join('/')}`;
}

function decodePercent(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    // Decode the escapes that are valid on their own (ASCII), leave the rest as written.
    return path.replace(/%([0-7][0-9a-fA-F])/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}
