import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { joinSignals } from '../../main/core/signals';

describe('joinSignals: one stop for several, given back when done', () => {
  it('aborts with the reason of whichever source aborts first, and then lets go of the others', () => {
    const cancel = new AbortController();
    const pause = new AbortController();
    const joined = joinSignals(cancel.signal, undefined, pause.signal);
    expect(joined.signal.aborted).toBe(false);
    pause.abort(new Error('paused'));
    expect(joined.signal.aborted).toBe(true);
    expect((joined.signal.reason as Error).message).toBe('paused');
    expect(getEventListeners(cancel.signal, 'abort')).toHaveLength(0);
  });

  it('a source aborted already aborts it at once, with that reason', () => {
    const gone = AbortSignal.abort('before');
    const other = new AbortController();
    const joined = joinSignals(other.signal, gone);
    expect([joined.signal.aborted, joined.signal.reason]).toEqual([true, 'before']);
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
  });

  it('released, it no longer follows its sources and leaves nothing on them; releasing twice does nothing', () => {
    const cancel = new AbortController();
    const joined = joinSignals(cancel.signal);
    expect(getEventListeners(cancel.signal, 'abort')).toHaveLength(1);
    joined.release();
    joined.release();
    expect(getEventListeners(cancel.signal, 'abort')).toHaveLength(0);
    cancel.abort();
    expect(joined.signal.aborted).toBe(false);
  });

  it('with no sources it is a stop that never fires', () => {
    const joined = joinSignals();
    expect(joined.signal.aborted).toBe(false);
    joined.release();
  });
});
