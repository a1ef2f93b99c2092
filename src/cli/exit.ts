/**
 * How a command ends. `process.exit` drops whatever stdout and stderr still
 * hold: writes to a pipe are asynchronous, so a report piped into a slow
 * reader lost its tail (the first 64 KiB arrived, the rest never did) and the
 * command still exited 0. Every command therefore exits through here, once
 * both streams have handed everything to the reader.
 */

/** Exits with `code` after everything written so far has left stdout and stderr. */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** Resolves when the stream has written all it was given (writes complete in order). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.writable) return resolve();
    stream.write('', () => resolve());
  });
}

/**
 * A reader that goes away early (`report | head`) makes the next write fail
 * with EPIPE. That is the reader's choice, not a fault: end quietly with the
 * status a shell gives a command stopped by SIGPIPE, instead of a stack trace.
 */
export function endQuietlyWhenReaderCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(141);
      throw error;
    });
  }
}
