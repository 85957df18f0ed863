import type { ConfigPath, ConfigProblem } from './types.js';

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `ip.deny[3]`, `headers["x forwarded"]`; '' for the document itself. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * `file:line:col: path: message [code]`, the one-line form editors and CI annotators understand.
 * The path part is left out when empty (whole document, list-file line).
 */
export function formatProblem(p: ConfigProblem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  return p.path === '' ? `${where}: ${p.message} [${p.code}]` : `${where}: ${p.path}: ${p.message} [${p.code}]`;
}

/**
 * Collects the problems of one load. Keeps the first `max` (a list file with a million bad lines
 * must not build a million-line error) and counts the rest.
 */
export class ProblemList {
  private readonly kept: ConfigProblem[] = [];
  private readonly seen = new Set<string>();
  private dropped = 0;

  constructor(
    private readonly configFile: string,
    private readonly max: number,
  ) {}

  /** Records a problem; an identical one (same place, code and message) is recorded once. */
  add(problem: ConfigProblem): void {
    const key = `${problem.file}\0${problem.line}\0${problem.column}\0${problem.path}\0${problem.code}\0${problem.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.kept.length < this.max) this.kept.push(problem);
    else this.dropped++;
  }

  get count(): number {
    return this.kept.length + this.dropped;
  }

  /** The config file's problems first, then list files by name; each in line/column order. */
  sorted(): ConfigProblem[] {
    const rank = (p: ConfigProblem): number => (p.file === this.configFile ? 0 : 1);
    const out = [...this.kept].sort(
      (a, b) => rank(a) - rank(b) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
    );
    if (this.dropped > 0) {
      out.push({
        file: this.configFile,
        line: 0,
        column: 0,
        path: '',
        message: `${this.dropped} more problem${this.dropped === 1 ? '' : 's'} not listed`,
        code: 'GENSWAP_CONFIG_TOO_MANY_PROBLEMS',
      });
    }
    return out;
  }
}
