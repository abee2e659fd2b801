import { expect } from 'vitest';
import {
  concat,
  connectPair,
  firstDifference,
  pattern,
  patternChunks,
  Recorder,
  runtimeCase,
  type Suite,
  variedSizes,
  writeAll,
} from './helpers.js';

const CHUNK_BYTES = 64 * 1024; // write size for bulk transfers
const BULK_BYTES = 10 * 1024 * 1024; // the "large transfer" case
const FILL_LIMIT_BYTES = 256 * 1024 * 1024; // a sender that never sees write() === false fails here

/**
 * A handler that borrows chunks (ConnectionHandler.borrowsChunks): it copies each one before
 * onData returns, as the promise requires, so later reuse of the connection's buffer cannot show.
 */
class BorrowingRecorder extends Recorder {
  readonly borrowsChunks = true;
  override onData(chunk: Uint8Array): void {
    super.onData(chunk.slice());
  }
}

/** Byte-stream cases: ordering, integrity, back-pressure, pause/resume. */
export function streamCases(suite: Suite): void {
  runtimeCase(
    suite,
    'handlers that borrow chunks get every byte in order, both ways at once, across pause/resume',
    async (h) => {
      const { client, server } = await connectPair(h);
      const clientRec = new BorrowingRecorder(h.a.clock);
      const serverRec = new BorrowingRecorder(h.b.clock, { conn: server, bytes: 100_000 });
      client.setHandler(clientRec);
      server.setHandler(serverRec);
      const up = patternChunks(variedSizes(300, 70_000, 5));
      const down = patternChunks(variedSizes(300, 70_000, 9));
      const upDone = writeAll(client, clientRec, up);
      const downDone = writeAll(server, serverRec, down);
      // Reads keep landing for the client end while the server end is paused with input queued.
      await serverRec.until('the pause from inside onData', (r) => r.paused);
      await h.b.clock.sleep(50);
      expect(serverRec.dataWhilePaused).toBe(0);
      serverRec.paused = false;
      server.resume();
      await Promise.all([upDone, downDone]);
      client.end();
      server.end();
      await serverRec.until('end from client', (r) => r.ends > 0);
      await clientRec.until('end from server', (r) => r.ends > 0);
      expect(firstDifference(serverRec.received(), concat(up))).toBeUndefined();
      expect(firstDifference(clientRec.received(), concat(down))).toBeUndefined();
      // A connection that reports what it still holds has handed everything over by now.
      if (client.pendingWriteBytes !== undefined) expect(client.pendingWriteBytes).toBe(0);
    },
  );

  runtimeCase(
    suite,
    'delivers many writes of varied sizes in order, in both directions at once',
    async (h) => {
      const { client, server } = await connectPair(h);
      const clientRec = new Recorder(h.a.clock);
      const serverRec = new Recorder(h.b.clock);
      client.setHandler(clientRec);
      server.setHandler(serverRec);
      const up = patternChunks(variedSizes(1000, 3000, 7));
      const down = patternChunks(variedSizes(800, 5000, 11));
      await Promise.all([writeAll(client, clientRec, up), writeAll(server, serverRec, down)]);
      client.end();
      server.end();
      await serverRec.until('end from client', (r) => r.ends > 0);
      await clientRec.until('end from server', (r) => r.ends > 0);
      expect(firstDifference(serverRec.received(), concat(up))).toBeUndefined();
      expect(firstDifference(clientRec.received(), concat(down))).toBeUndefined();
    },
  );

  runtimeCase(suite, 'a 10 MiB transfer arrives byte-identical', async (h) => {
    const { client, server } = await connectPair(h);
    const clientRec = new Recorder(h.a.clock);
    const serverRec = new Recorder(h.b.clock);
    client.setHandler(clientRec);
    server.setHandler(serverRec);
    const chunks = patternChunks(new Array(BULK_BYTES / CHUNK_BYTES).fill(CHUNK_BYTES));
    await writeAll(client, clientRec, chunks);
    client.end();
    await serverRec.until('10 MiB and end', (r) => r.ends > 0);
    expect(serverRec.bytes).toBe(BULK_BYTES);
    expect(firstDifference(serverRec.received(), pattern(0, BULK_BYTES))).toBeUndefined();
  });

  runtimeCase(
    suite,
    'write() returns false when the peer does not read, and onDrain fires once it does',
    async (h) => {
      const { client, server } = await connectPair(h);
      const clientRec = new Recorder(h.a.clock);
      const serverRec = new Recorder(h.b.clock);
      client.setHandler(clientRec);
      server.setHandler(serverRec);
      server.pause();
      let written = 0;
      let accepted = true;
      while (accepted && written < FILL_LIMIT_BYTES) {
        accepted = client.write(pattern(written, CHUNK_BYTES));
        written += CHUNK_BYTES;
      }
      expect(accepted, `write() never returned false after ${written} bytes`).toBe(false);
      expect(clientRec.drains).toBe(0);
      server.resume();
      await clientRec.until('onDrain', (r) => r.drains > 0);
      client.end();
      await serverRec.until('all bytes and end', (r) => r.ends > 0);
      expect(serverRec.bytes).toBe(written);
      expect(firstDifference(serverRec.received(), pattern(0, written))).toBeUndefined();
    },
  );

  runtimeCase(
    suite,
    'pause() stops onData (and the end behind it) and resume() restarts it without loss',
    async (h) => {
      const { client, server } = await connectPair(h);
      const clientRec = new Recorder(h.a.clock);
      const serverRec = new Recorder(h.b.clock, { conn: server, bytes: 1 });
      client.setHandler(clientRec);
      server.setHandler(serverRec);
      const total = 2 * 1024 * 1024;
      const chunks = patternChunks(new Array(total / (16 * 1024)).fill(16 * 1024));
      // The recorder pauses from inside the first onData; everything else is queued behind it.
      for (const chunk of chunks) client.write(chunk);
      client.end();
      await serverRec.until('first data', (r) => r.paused);
      const bytesAtPause = serverRec.bytes;
      await h.b.clock.sleep(200);
      expect(serverRec.dataWhilePaused).toBe(0);
      expect(serverRec.bytes).toBe(bytesAtPause);
      expect(serverRec.ends).toBe(0);
      serverRec.paused = false;
      server.resume();
      await serverRec.until('the rest and end', (r) => r.ends > 0);
      expect(bytesAtPause).toBeLessThan(total);
      expect(firstDifference(serverRec.received(), pattern(0, total))).toBeUndefined();
    },
  );
}
