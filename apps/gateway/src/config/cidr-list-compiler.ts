import { excerpt, type ListCompiler, MAX_EXCERPT_CHARS } from '@genswap/config';
import type { GatewayErrorCode } from '../errors.js';
import { parseCidrV4Bytes, parseCidrV4Line } from '../ip/cidr-bytes.js';
import { newCidrBounds, parseCidr } from '../ip/cidr.js';
import { FAMILY_V4 } from '../ip/ip-address.js';
import type { IpRanges } from '../ip/ip-ranges.js';
import { RangeSetBuilder } from '../ip/range-set-builder.js';
import { MAX_TABLE_BYTES, MAX_V4_RANGES, MAX_V6_RANGES, TableBudget } from '../ip/table-budget.js';

/** Bad lines reported per list file; beyond this one summary problem stands for the rest. */
export const MAX_PROBLEMS_PER_LIST = 20;

export const BAD_CIDR: GatewayErrorCode = 'GENSWAP_GATEWAY_CONFIG_BAD_CIDR';
export const TOO_MANY: GatewayErrorCode = 'GENSWAP_GATEWAY_CONFIG_TOO_MANY_RANGES';

/**
 * A list file whose first entries are all invalid is most likely not an address list at all
 * (a wrong path, `../../etc/passwd`): it is refused with one problem that quotes none of it.
 */
export const UNRELATED_FILE_ENTRIES = 8;

/** The message of a range table over the config's budget (table-budget.ts). */
export function overBudgetMessage(what: string): string {
  return `the range tables of this config are full: at most ${MAX_TABLE_BYTES / (1024 * 1024)} MiB for all lists (${MAX_V4_RANGES.toLocaleString('en-US')} IPv4 or ${MAX_V6_RANGES.toLocaleString('en-US')} IPv6 ranges); ${what}`;
}

/** One list file of CIDR blocks, compiled on its own (so it can be cached on its own). */
export interface CompiledCidrList {
  /** Sorted and merged, as RangeSetBuilder builds them. Shared with the cache: read only. */
  readonly ranges: IpRanges;
  /** Room its entries take in the config's table budget (counted as added, before merging). */
  readonly tableBytes: number;
  /** Its first UNRELATED_FILE_ENTRIES entries were all invalid: not an address list (compile.ts reports it, quoting nothing). */
  readonly unrelated: boolean;
  /** Lines that are not a CIDR block or address (the first MAX_PROBLEMS_PER_LIST are reported). */
  readonly badEntries: number;
}

/**
 * The gateway's list-file compiler (CompileContext.compileList): each line is parsed from the
 * file's bytes (cidr-bytes.ts for the IPv4 lines that are most of any real list, parseCidr for
 * the rest and for every message), the ranges sorted and merged. A bad line is reported at its
 * file:line:col. The name carries a version: bump it when the compiled form changes.
 */
export const cidrListCompiler: ListCompiler<CompiledCidrList> = {
  name: 'genswap.gateway.cidr-list.v3',
  compile(list) {
    const bytes = list.bytes;
    const length = bytes.length;
    // Room for as many IPv4 ranges as the shortest lines (`1.2.3.4\n`) could hold: never grown
    // by copying; what is never written is never resident.
    const builder = new RangeSetBuilder({ shared: true, v4Capacity: Math.min(MAX_V4_RANGES + 1, Math.ceil(length / 8) + 1) });
    const bounds = newCidrBounds();
    // A file on its own must fit the whole budget; beside other lists, compile.ts checks the sum.
    const budget = new TableBudget();
    let bad = 0;
    let good = 0;
    let full = false;
    let unrelated = false;
    // Bad entries before the first good one wait: the file may not be an address list at all.
    const pending: [line: number, column: number, message: string][] = [];
    const add = (ok: boolean, family: number, line: number, column: number): void => {
      if (good++ === 0) for (const [l, c, m] of pending.splice(0)) list.problemAt(l, c, m, BAD_CIDR);
      if (full) return;
      if (!budget.take(family) || !ok) {
        full = true;
        list.problemAt(line, column, overBudgetMessage('this entry and those after it do not fit'), TOO_MANY);
      }
    };
    const general = (start: number, end: number, line: number, column: number): void => {
      if (unrelated) return;
      if (parseCidrV4Bytes(bytes, start, end, bounds)) return add(full || builder.addV4(bounds[0]!, bounds[1]!), FAMILY_V4, line, column);
      const entry = bytes.toString('utf8', start, end);
      const family = parseCidr(entry, bounds);
      if (typeof family === 'string') {
        bad++;
        if (bad > MAX_PROBLEMS_PER_LIST) return;
        // Quote the entry only when it is short; the problem names its line either way.
        const message = entry.length <= MAX_EXCERPT_CHARS ? family : `${excerpt(entry)} (${entry.length} characters) is not an IPv4 or IPv6 address or CIDR block`;
        if (good > 0) list.problemAt(line, column, message, BAD_CIDR);
        else if (pending.push([line, column, message]) === UNRELATED_FILE_ENTRIES) {
          unrelated = true;
          pending.length = 0;
        }
      } else add(full || (family === FAMILY_V4 ? builder.addV4(bounds[0]!, bounds[1]!) : builder.addV6(bounds)), family, line, column);
    };
    // One walk over the bytes: a line that is exactly one IPv4 block is parsed where it lies;
    // any other line (comment, blanks, IPv6, a mistake) goes through list.scan, line by line.
    let fast = 0;
    let line = 1;
    for (let pos = 0; pos < length; line++) {
      const next = parseCidrV4Line(bytes, pos, length, bounds);
      if (next >= 0) {
        // add(), inlined by hand for the lines that are most of any list.
        fast++;
        pos = next;
        if (good++ === 0 && pending.length > 0) for (const [l, c, m] of pending.splice(0)) list.problemAt(l, c, m, BAD_CIDR);
        if (!full && !(budget.take(FAMILY_V4) && builder.addV4(bounds[0]!, bounds[1]!))) {
          full = true;
          list.problemAt(line, 1, overBudgetMessage('this entry and those after it do not fit'), TOO_MANY);
        }
        continue;
      }
      const newline = bytes.indexOf(10, pos);
      const end = newline < 0 ? length : newline;
      if (!list.scan(general, pos, end, line)) break; // binary content: reported, nothing more to read
      if (unrelated) break;
      pos = end + 1;
    }
    for (const [l, c, m] of pending) list.problemAt(l, c, m, BAD_CIDR); // a file of only a few bad entries
    list.countEntries(fast);
    // In shared memory, so the loader thread hands the table to the primary without a copy; keyed
    // by content, so the codec encodes it as a part a slot keeps (codec/layout.ts, L5).
    const built = builder.build();
    const ranges: IpRanges = { v4: built.v4, v6: built.v6, key: `${cidrListCompiler.name}:${list.sha256}` };
    return { ranges, tableBytes: budget.usedBytes, badEntries: unrelated ? 0 : bad, unrelated };
  },
};
