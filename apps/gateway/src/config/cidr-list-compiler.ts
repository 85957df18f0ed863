import type { ListCompiler } from '@genswap/config';
import type { GatewayErrorCode } from '../errors.js';
import { parseCidrV4Bytes, parseCidrV4Line } from '../ip/cidr-bytes.js';
import { newCidrBounds, parseCidr } from '../ip/cidr.js';
import { FAMILY_V4 } from '../ip/ip-address.js';
import type { IpRanges } from '../ip/ip-ranges.js';
import { RangeSetBuilder } from '../ip/range-set-builder.js';

/** Bad lines reported per list file; beyond this one summary problem stands for the rest. */
export const MAX_PROBLEMS_PER_LIST = 20;

export const BAD_CIDR: GatewayErrorCode = 'GENSWAP_GATEWAY_CONFIG_BAD_CIDR';
export const TOO_MANY: GatewayErrorCode = 'GENSWAP_GATEWAY_CONFIG_TOO_MANY_RANGES';

/** One list file of CIDR blocks, compiled on its own (so it can be cached on its own). */
export interface CompiledCidrList {
  /** Sorted and merged, as RangeSetBuilder builds them. Shared with the cache: read only. */
  readonly ranges: IpRanges;
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
  name: 'genswap.gateway.cidr-list.v1',
  compile(list) {
    const bytes = list.bytes;
    const length = bytes.length;
    const builder = new RangeSetBuilder();
    const bounds = newCidrBounds();
    let bad = 0;
    let full = false;
    const add = (ok: boolean, line: number, column: number): void => {
      if (!ok && !full) {
        full = true;
        list.problemAt(line, column, 'too many ranges: this entry and those after it do not fit', TOO_MANY);
      }
    };
    const general = (start: number, end: number, line: number, column: number): void => {
      if (parseCidrV4Bytes(bytes, start, end, bounds)) return add(builder.addV4(bounds[0]!, bounds[1]!), line, column);
      const family = parseCidr(bytes.toString('utf8', start, end), bounds);
      if (typeof family === 'string') {
        bad++;
        if (bad <= MAX_PROBLEMS_PER_LIST) list.problemAt(line, column, family, BAD_CIDR);
      } else add(family === FAMILY_V4 ? builder.addV4(bounds[0]!, bounds[1]!) : builder.addV6(bounds), line, column);
    };
    // One walk over the bytes: a line that is exactly one IPv4 block is parsed where it lies;
    // any other line (comment, blanks, IPv6, a mistake) goes through list.scan, line by line.
    let fast = 0;
    let line = 1;
    for (let pos = 0; pos < length; line++) {
      const next = parseCidrV4Line(bytes, pos, length, bounds);
      if (next >= 0) {
        fast++;
        if (!full) add(builder.addV4(bounds[0]!, bounds[1]!), line, 1);
        pos = next;
        continue;
      }
      const newline = bytes.indexOf(10, pos);
      const end = newline < 0 ? length : newline;
      if (!list.scan(general, pos, end, line)) break; // binary content: reported, nothing more to read
      pos = end + 1;
    }
    list.countEntries(fast);
    return { ranges: builder.build(), badEntries: bad };
  },
};
