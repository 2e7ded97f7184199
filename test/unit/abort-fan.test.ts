import { describe, expect, it, vi } from 'vitest';
import { abortFan } from '../../src/registry/abort-fan.js';

describe('abortFan', () => {
  it('is one fan per signal, reflecting the signal', () => {
    const controller = new AbortController();
    const fan = abortFan(controller.signal);
    expect(abortFan(controller.signal)).toBe(fan);
    expect(abortFan(new AbortController().signal)).not.toBe(fan);
    expect(fan.aborted).toBe(false);
    const reason = new Error('gone');
    controller.abort(reason);
    expect(fan.aborted).toBe(true);
    expect(fan.reason).toBe(reason);
  });

  it('calls each listener still registered once, and none that was removed', () => {
    const controller = new AbortController();
    const fan = abortFan(controller.signal);
    const kept = vi.fn();
    const onced = vi.fn();
    const removed = vi.fn();
    fan
      .on('abort', kept)
      .once('abort', onced)
      .on('abort', removed)
      .removeListener('abort', removed);
    controller.abort();
    controller.abort();
    expect(kept).toHaveBeenCalledTimes(1);
    expect(onced).toHaveBeenCalledTimes(1);
    expect(removed).not.toHaveBeenCalled();
  });

  it('does not call a listener that an earlier one removed during the abort', () => {
    const controller = new AbortController();
    const fan = abortFan(controller.signal);
    const second = vi.fn();
    fan.on('abort', () => fan.removeListener('abort', second)).on('abort', second);
    controller.abort();
    expect(second).not.toHaveBeenCalled();
  });

  it('does not call a listener added during the abort, as an AbortSignal does not', () => {
    const controller = new AbortController();
    const fan = abortFan(controller.signal);
    const added = vi.fn();
    const viaSignal = vi.fn();
    const adder = vi.fn(() => fan.on('abort', added));
    fan.on('abort', adder);
    controller.signal.addEventListener('abort', () =>
      controller.signal.addEventListener('abort', viaSignal),
    );
    controller.abort();
    expect(adder).toHaveBeenCalledTimes(1);
    expect(added).not.toHaveBeenCalled();
    expect(viaSignal).not.toHaveBeenCalled();
  });
});
