/**
 * The descriptor relay (see FdRelay in listen-socket.ts): a child process that sends every socket
 * it receives straight back to its parent, then closes its own copy. The parent thereby gets a
 * fresh descriptor of the same listening socket for each HTTP thread.
 */
type RawHandle = { close(): void };

process.on('message', (message: unknown, handle: RawHandle | undefined) => {
  if (message !== 'genswap.fd-relay' || handle === undefined) return;
  process.send!('genswap.fd-relay', handle as never, {}, () => handle.close());
});
process.on('disconnect', () => process.exit(0));
process.send!('genswap.fd-relay.ready');
