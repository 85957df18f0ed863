#!/usr/bin/env node
import { CommanderError } from 'commander';
import { EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { buildProgram } from './program.js';

// A reader that went away (`genswap serve --help | head`) is not an error of ours: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version exit 0; everything commander rejects is a usage error.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    const e = err as Error & { code?: string; fix?: string };
    process.stderr.write(`genswap: ${e.message}${e.code ? ` [${e.code}]` : ''}\n${e.fix ? `  fix: ${e.fix}\n` : ''}`);
    process.exitCode = exitCodeFor(err);
  }
}
