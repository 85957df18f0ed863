import { Command, InvalidArgumentError, Option } from 'commander';
import { genswapCommand } from '../command.js';
import { parseHostPort } from '../host-port.js';
import type { CliIo } from '../io.js';
import { type AdminTokenFlags, readAdminToken, withAdminTokenFlags } from '../serve/admin-token.js';
import { runServe } from '../serve/run-serve.js';
import { UsageError } from '../exit-codes.js';

export function positiveInt(name: string, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isInteger(n) || n < 0 || n > max) throw new InvalidArgumentError(`${name} must be an integer from 0 to ${max}`);
    return n;
  };
}

function threadCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(n) || n < 1 || n > 1024) throw new InvalidArgumentError('--threads must be an integer from 1 to 1024');
  return n;
}

function hostPort(flag: string): (text: string) => { host: string; port: number } {
  return (text) => {
    try {
      return parseHostPort(text, flag);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

const EXAMPLE = `
Example:
  $ genswap serve --config apps/gateway/config/gateway.yaml --listen 127.0.0.1:8080 \\
      --pid-file run/genswap.pid --admin 127.0.0.1:9901
  genswap serve: listening on http://127.0.0.1:8080 (pid 4242, generation 1, 2 threads, admin http://127.0.0.1:9901)
  $ curl -i http://127.0.0.1:8080/login        # answers carry x-genswap-generation
  $ genswap reload --pid-file run/genswap.pid  # or: kill -HUP 4242, or --watch

Admin: --admin 127.0.0.1:9901 (loopback TCP) or --admin-socket run/admin.sock (mode 0600);
add --admin-token-file run/admin.token (or --admin-token-env NAME) to require a bearer token.
Foreign Host headers and cross-site browser requests are always refused.

Signals: SIGHUP reloads; SIGTERM/SIGINT drain in-flight requests (--drain-timeout) and exit 0;
a second SIGTERM exits at once. With --source etcd://HOST:PORT/PREFIX --state-dir DIR (no
--config), the config is what \`genswap fleet publish\` put in etcd: every revision is applied
through the same reload, acknowledged (or refused, with its problems) in etcd for \`genswap
fleet status\`, and answers carry x-genswap-fleet-revision. With --pid-file, a state file
<pid-file>.state.json is kept beside the pid file so \`genswap reload --pid-file\` can report the outcome of its signal.
`;

export function serveCommand(io: CliIo): Command {
  const command = genswapCommand('serve', io)
    .description('Serve HTTP from worker threads that each accept connections, on a config that reloads atomically (SIGHUP, --watch, admin POST /reload).')
    .option('-c, --config <file>', 'YAML config file (required unless --source is given)')
    .option('--source <url>', 'fleet mode: follow the config published to etcd, etcd://HOST:PORT/PREFIX[?jitter=MS&ttl=S] (see `genswap fleet --help`)')
    .option('--state-dir <dir>', 'with --source: where revisions and the last good config are kept (booted from when etcd is down)')
    .option('--instance-id <id>', 'with --source: this instance\'s name in `genswap fleet status` (default: <hostname>-<pid>)')
    .option('--max-list-bytes <bytes>', 'largest list file a config may name; a bigger one is refused', positiveInt('--max-list-bytes', 2 ** 40))
    .option('--handler <module>', 'worker module, compiled JS whose default export is defineWorker(handler) (default: the gateway)')
    .option('--schema <module>', 'module exporting an AppModule { definition, codec?, createState? } (default: the gateway)')
    .addOption(
      new Option('--listen <host:port>', 'front end address; port 0 picks a free one')
        .argParser(hostPort('--listen'))
        .default({ host: '127.0.0.1', port: 8080 }, '127.0.0.1:8080'),
    )
    .option('--threads <n>', 'HTTP threads, 1-1024; each accepts connections itself (default: the number of CPUs)', threadCount)
    .addOption(
      new Option('--listen-mode <mode>', 'how threads share the address: shared (one accept queue, any Node) or reuseport (kernel hashing, Node >= 22.12)')
        .choices(['shared', 'reuseport'])
        .default('shared'),
    )
    .option('--stall-timeout <ms>', 'a thread whose event loop makes no progress this long is replaced; its stuck request gets 503', positiveInt('--stall-timeout', 3_600_000), 5000)
    .option('--max-connections <n>', 'open connections over all threads', positiveInt('--max-connections', 1_000_000), 10_000)
    .option('--max-headers <n>', 'request headers per request; more is refused with 431', positiveInt('--max-headers', 10_000), 100)
    .option('--max-body <bytes>', 'request body bytes; more is refused with 413', positiveInt('--max-body', 2 ** 31 - 1), 65_536)
    .option('--max-pipelined <n>', 'pipelined requests of a connection run at once; more wait, and 8x more closes the connection', positiveInt('--max-pipelined', 10_000), 16)
    .option('--headers-timeout <ms>', 'time to receive request headers (then 408)', positiveInt('--headers-timeout', 3_600_000), 10_000)
    .option('--request-timeout <ms>', 'time to receive a whole request (then 408)', positiveInt('--request-timeout', 3_600_000), 30_000)
    .option('--keep-alive-timeout <ms>', 'idle keep-alive connections are closed after this', positiveInt('--keep-alive-timeout', 3_600_000), 5000)
    .option('--loader-nice <n>', 'nice steps below the primary for the reload loader thread, 0-19 (Linux; reloads yield the CPU to requests)', positiveInt('--loader-nice', 19))
    .option('--loader-idle <ms>', 'the loader thread starts with a reload and stops after this long without one (its list cache is kept)', positiveInt('--loader-idle', 2 ** 31 - 1), 30_000)
    .option('--primary-load-bytes <bytes>', 'a reload reading at most this much (config and changed list files) runs on the primary, a bigger one in the loader thread; 0: always the thread', positiveInt('--primary-load-bytes', 2 ** 31 - 1), 65_536)
    .option('--warm-up-loads <n>', 'after its third reload on the primary, run this many dry loads of the config once, in the background, so later reloads run optimized code (about 0.5 s of CPU once); 0: none', positiveInt('--warm-up-loads', 1_000_000), 2000)
    .option('--pid-file <file>', 'write the pid here, and a state file beside it for `genswap reload/status --pid-file`')
    .option('--admin <host:port>', 'loopback admin listener: GET /status, GET /metrics, POST /reload', hostPort('--admin'))
    .option('--admin-socket <path>', 'admin listener on a unix socket (mode 0600) instead of --admin')
    .option('--watch', 'reload when the config file or a list file changes (symlink swaps included)', false)
    .option('--drain-timeout <ms>', 'how long shutdown waits for in-flight requests', positiveInt('--drain-timeout', 2 ** 31 - 1), 10_000)
    .option('--log-level <level>', 'pino level: trace, debug, info, warn, error, fatal, silent', 'info');
  return withAdminTokenFlags(command, 'server')
    .addHelpText('after', EXAMPLE)
    .action(async (opts: {
      config?: string;
      source?: string;
      stateDir?: string;
      instanceId?: string;
      maxListBytes?: number;
      handler?: string;
      schema?: string;
      listen: { host: string; port: number };
      threads?: number;
      listenMode: 'shared' | 'reuseport';
      stallTimeout: number;
      maxConnections: number;
      maxHeaders: number;
      maxBody: number;
      maxPipelined: number;
      headersTimeout: number;
      requestTimeout: number;
      keepAliveTimeout: number;
      loaderNice?: number;
      loaderIdle: number;
      primaryLoadBytes: number;
      warmUpLoads: number;
      pidFile?: string;
      admin?: { host: string; port: number };
      adminSocket?: string;
      watch: boolean;
      drainTimeout: number;
      logLevel: string;
    } & AdminTokenFlags) => {
      if ((opts.config === undefined) === (opts.source === undefined)) throw new UsageError('genswap serve needs exactly one of --config <file> or --source etcd://HOST:PORT/PREFIX');
      if (opts.source !== undefined && opts.stateDir === undefined) throw new UsageError('genswap serve --source needs --state-dir <dir>, where the last good config is kept');
      if (opts.admin !== undefined && opts.adminSocket !== undefined) throw new UsageError('give at most one of --admin and --admin-socket');
      const adminToken = readAdminToken(opts);
      if (adminToken !== undefined && opts.admin === undefined && opts.adminSocket === undefined) throw new UsageError('--admin-token-file / --admin-token-env need --admin or --admin-socket');
      await runServe(
        {
          config: opts.config ?? '',
          ...(opts.source !== undefined ? { source: { url: opts.source, stateDir: opts.stateDir!, ...(opts.instanceId !== undefined ? { instanceId: opts.instanceId } : {}) } } : {}),
          ...(opts.maxListBytes !== undefined ? { load: { maxListBytes: opts.maxListBytes } } : {}),
          listen: opts.listen,
          watch: opts.watch,
          drainTimeoutMs: opts.drainTimeout,
          logLevel: opts.logLevel,
          listenMode: opts.listenMode,
          stallTimeoutMs: opts.stallTimeout,
          limits: {
            maxConnections: opts.maxConnections,
            maxHeaders: opts.maxHeaders,
            maxBodyBytes: opts.maxBody,
            maxPipelined: opts.maxPipelined,
            headersTimeoutMs: opts.headersTimeout,
            requestTimeoutMs: opts.requestTimeout,
            keepAliveTimeoutMs: opts.keepAliveTimeout,
          },
          ...(opts.handler !== undefined ? { handler: opts.handler } : {}),
          ...(opts.schema !== undefined ? { schema: opts.schema } : {}),
          ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
          ...(opts.loaderNice !== undefined ? { loaderNice: opts.loaderNice } : {}),
          loaderIdleMs: opts.loaderIdle,
          primaryLoadBytes: opts.primaryLoadBytes,
          warmUpLoads: opts.warmUpLoads,
          ...(opts.pidFile !== undefined ? { pidFile: opts.pidFile } : {}),
          ...(opts.admin !== undefined ? { admin: opts.admin } : {}),
          ...(opts.adminSocket !== undefined ? { adminSocket: opts.adminSocket } : {}),
          ...(adminToken !== undefined ? { adminToken } : {}),
        },
        io,
      );
    });
}
