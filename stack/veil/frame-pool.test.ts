import { describe, expect, it } from 'vitest';
import type { Connection } from '../runtime.js';
import { FramePool } from './frame-pool.js';

const LARGE = 65_541; // bytes: a full Bifrost frame

function connection(pending: number | undefined) {
  const conn = {
    localAddr: 'l',
    remoteAddr: 'r',
    closed: false,
    pendingWriteBytes: pending,
    setHandler() {},
    write: () => true,
    end() {},
    close() {},
    pause() {},
    resume() {},
  } satisfies Connection;
  return conn;
}

describe('FramePool', () => {
  it('reuses a large frame array only once the connection holds nothing', () => {
    const conn = connection(0);
    const pool = new FramePool(conn, LARGE);
    const first = pool.take(LARGE);
    conn.pendingWriteBytes = LARGE; // the write did not complete: the socket still holds `first`
    const second = pool.take(LARGE - 100);
    expect(second.buffer).not.toBe(first.buffer);
    conn.pendingWriteBytes = 0; // drained
    const third = pool.take(LARGE);
    expect([first.buffer, second.buffer]).toContain(third.buffer);
    expect(third.length).toBe(LARGE);
  });

  it('never reuses on a connection that cannot say what it holds, nor for small frames', () => {
    const opaque = new FramePool(connection(undefined), LARGE);
    const a = opaque.take(LARGE);
    const b = opaque.take(LARGE);
    expect(b.buffer).not.toBe(a.buffer);
    const pool = new FramePool(connection(0), LARGE);
    const small = pool.take(100);
    expect(pool.take(100).buffer).not.toBe(small.buffer);
  });
});

describe('FramePool while the connection stays backed up', () => {
  it('reuses a frame once the bytes written after it cover all the connection holds, not before', () => {
    const conn = connection(0);
    const pool = new FramePool(conn, LARGE);
    const first = pool.take(LARGE);
    conn.pendingWriteBytes = LARGE; // holds `first`
    const second = pool.take(LARGE);
    conn.pendingWriteBytes = LARGE + 1; // still one byte of `first`, and all of `second`
    const third = pool.take(LARGE);
    expect(third.buffer).not.toBe(first.buffer);
    expect(third.buffer).not.toBe(second.buffer);
    conn.pendingWriteBytes = 2 * LARGE + 200; // `first` gone; `second`, `third` and a small frame held
    pool.take(200);
    const fourth = pool.take(LARGE);
    expect(fourth.buffer).toBe(first.buffer);
    expect([second.buffer, third.buffer]).not.toContain(fourth.buffer);
  });
});
