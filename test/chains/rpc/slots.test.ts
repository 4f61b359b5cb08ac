import { describe, expect, it } from 'vitest';

import { createSlots } from '../../../src/chains/rpc/slots.js';

/** A task that runs until released, recording when it started. */
function gate(started: number[], id: number): { task: () => Promise<number>; release: () => void; fail: (e: Error) => void } {
  let release!: () => void;
  let fail!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    release = res;
    fail = rej;
  });
  return {
    task: async () => {
      started.push(id);
      await done;
      return id;
    },
    release: () => release(),
    fail: (e) => fail(e),
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('slots shared by callers', () => {
  it('runs at most `limit` tasks at once and starts the waiting ones in arrival order', async () => {
    const slots = createSlots(2);
    const started: number[] = [];
    const gates = [0, 1, 2, 3, 4].map((i) => gate(started, i));
    const results = gates.map((g) => slots.run(g.task));
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]!.release();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.release();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.release();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a failing task gives its slot back and its caller gets the error', async () => {
    const slots = createSlots(1);
    const started: number[] = [];
    const a = gate(started, 0);
    const b = gate(started, 1);
    const ra = slots.run(a.task);
    const rb = slots.run(b.task);
    await tick();
    expect(started).toEqual([0]);
    a.fail(new Error('node down'));
    await expect(ra).rejects.toThrow('node down');
    await tick();
    expect(started).toEqual([0, 1]);
    b.release();
    expect(await rb).toBe(1);
    // Free again: a new task starts at once.
    const c = gate(started, 2);
    const rc = slots.run(c.task);
    await tick();
    expect(started).toEqual([0, 1, 2]);
    c.release();
    await rc;
  });
});
