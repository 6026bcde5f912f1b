/** The part of a stream progress needs: stderr, or a fake terminal in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  /** `done` items so far (of `total` when known). */
  update(done: number, total?: number): void;
  /** A phase in words, for work that cannot count ("collecting requests"). */
  note(text: string): void;
  /** Clears the line; the command's own output follows on a clean line. */
  end(): void;
}

/**
 * A one-line counter for long CLI work, on stderr and only on a terminal: piped or redirected,
 * it writes nothing, so stderr holds only logs and errors and stdout only the data. Redrawn at
 * most every `everyMs`, so a million entries cost a few hundred writes.
 */
export function progress(
  label: string,
  stream: ProgressStream = process.stderr,
  now: () => number = Date.now,
  everyMs = 200,
): Progress {
  if (!stream.isTTY) return { update: () => undefined, note: () => undefined, end: () => undefined };
  let last = Number.NEGATIVE_INFINITY;
  let shown = false;
  return {
    update(done, total) {
      const t = now();
      if (t - last < everyMs) return;
      last = t;
      shown = true;
      stream.write(`\r\x1b[K${label}: ${done}${total === undefined ? '' : ` of ${total}`}`);
    },
    note(text) {
      shown = true;
      stream.write(`\r\x1b[K${label}: ${text}`);
    },
    end() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

/** The same iterable, telling `p` how many items have passed. */
export async function* counted<T>(items: AsyncIterable<T>, p: Progress): AsyncIterable<T> {
  let n = 0;
  for await (const item of items) {
    yield item;
    p.update(++n);
  }
  p.end();
}
