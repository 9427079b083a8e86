/**
 * One stop for an operation made of several (a cancel and a pause, a transfer's and its request's
 * own), given back when the operation ends.
 *
 * AbortSignal.any() is not used for this: each composite it makes stays listed among the
 * dependants of every source for as long as that source lives, and one a listener watches is
 * never pruned (nodejs/node#55351, #64476). A source that lives long (a command's Ctrl-C, the
 * app's queue) then keeps one entry per file, part and request ever sent: 10,000 small files
 * kept about 60,000 of them, and the heap grew past the memory limit (issue 21). Here the
 * listeners are taken off the sources when the stop is released, so nothing outlives it.
 */
export interface JoinedSignal {
  /** Aborts, with the source's reason, when any source aborts before release. */
  readonly signal: AbortSignal;
  /** Takes this stop off its sources. Call it when the operation ends, however it ends; calling it again does nothing. */
  release(): void;
}

export function joinSignals(...sources: Array<AbortSignal | undefined>): JoinedSignal {
  const joined = new AbortController();
  const watched: Array<[AbortSignal, () => void]> = [];
  const release = () => {
    for (const [source, listener] of watched.splice(0)) source.removeEventListener('abort', listener);
  };
  for (const source of sources) {
    if (!source) continue;
    if (source.aborted) {
      release();
      joined.abort(source.reason);
      break;
    }
    const listener = () => {
      release();
      joined.abort(source.reason);
    };
    source.addEventListener('abort', listener, { once: true });
    watched.push([source, listener]);
  }
  return { signal: joined.signal, release };
}
