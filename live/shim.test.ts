import { afterEach, describe, expect, it } from 'vitest';
import type { Connection } from '../stack/runtime.js';
import { DialTimeoutError } from '../stack/runtime.js';
import { createLiveRuntime, type LiveRuntime } from './index.js';
import { LiveLogger } from './logger.js';
import { ShimNetwork, type ShimRules } from './shim.js';

const runtimes: LiveRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.shutdown()));
});

async function pair(rules: ShimRules | undefined) {
  const log = new LiveLogger({ level: 'error' });
  const a = createLiveRuntime({ logger: log });
  const b = createLiveRuntime({ logger: log });
  runtimes.push(a, b);
  const accepted: Connection[] = [];
  const listener = await b.net.listen('127.0.0.1:0', (c) => accepted.push(c));
  const shim = new ShimNetwork(a.net);
  shim.setRules(rules);
  return { shim, addr: listener.addr, accepted };
}

function collect(conn: Connection): { chunks: string[]; times: number[] } {
  const out = { chunks: [] as string[], times: [] as number[] };
  conn.setHandler({
    onData: (c) => {
      out.chunks.push(Buffer.from(c).toString());
      out.times.push(performance.now());
    },
  });
  return out;
}

const until = async (cond: () => boolean, ms = 5_000) => {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('ShimNetwork', () => {
  it('without rules hands out the inner connection as it is', async () => {
    const { shim, addr } = await pair(undefined);
    const conn = await shim.dial(addr);
    expect(conn.constructor.name).toBe('LiveConnection');
    conn.close();
  });

  it('delays a dial by a round trip and each direction by one delay, in order', async () => {
    let cut = false;
    const { shim, addr, accepted } = await pair({ delayMs: () => 60, cut: () => cut });
    const t0 = performance.now();
    const conn = await shim.dial(addr);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(115);
    await until(() => accepted.length === 1);
    const far = collect(accepted[0]!);
    const near = collect(conn);
    const sent = performance.now();
    for (const m of ['a', 'b', 'c']) conn.write(Buffer.from(m));
    await until(() => far.chunks.join('') === 'abc');
    expect(far.times[0]! - sent).toBeGreaterThanOrEqual(55);
    const back = performance.now();
    accepted[0]!.write(Buffer.from('x'));
    await until(() => near.chunks.length === 1);
    expect(near.times[0]! - back).toBeGreaterThanOrEqual(55);
    // A cut holds data (as TCP would keep retransmitting) and the heal lets it through, in order.
    cut = true;
    conn.write(Buffer.from('d'));
    conn.write(Buffer.from('e'));
    await new Promise((r) => setTimeout(r, 400));
    expect(far.chunks.join('')).toBe('abc');
    cut = false;
    await until(() => far.chunks.join('') === 'abcde');
    conn.close();
  });

  it('a dial across a cut times out like a lost SYN', async () => {
    const { shim, addr } = await pair({ delayMs: () => 0, cut: () => true });
    await expect(shim.dial(addr, { timeoutMs: 300 })).rejects.toBeInstanceOf(DialTimeoutError);
  });
});
