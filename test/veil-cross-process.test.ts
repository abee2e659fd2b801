/**
 * A real cross-process handshake (issue 3, item 6): two `valhalla` processes over loopback TCP,
 * with a relay in this process that forwards both directions and records every byte. The
 * recording is then checked the way an on-path observer would see it: Bifrost frames only, three
 * HANDSHAKE frames first (dialer, listener, dialer), then TRANSPORT frames whose payloads show
 * neither the message nor the mux's stream headers.
 *
 * Needs the built CLI (npm test builds it first; after editing, run `npm run build`). No
 * wall-clock assumption beyond generous timeouts; loopback only; every process started here is
 * killed in afterAll.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameDecoder, FrameType, HEADER_SIZE, MAGIC_0, MAGIC_1 } from '../stack/bifrost/index.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');
const PROCESS_TIMEOUT_MS = 30_000; // generous: only a hung process should ever reach it

type Direction = 'dialer->listener' | 'listener->dialer';

interface ObservedFrame {
  dir: Direction;
  type: number;
  payload: Uint8Array;
}

/** One relayed TCP connection: the raw bytes of each direction and frames in arrival order. */
interface Recording {
  bytes: Record<Direction, Buffer[]>;
  /** Frames as they completed, across both directions, in the order the relay saw them. */
  frames: ObservedFrame[];
  /** Resolves once both sockets of the pair have closed. */
  closed: Promise<void>;
}

/** A TCP relay on 127.0.0.1 that forwards to `target` and records both directions. */
class RecordingRelay {
  readonly recordings: Recording[] = [];
  private readonly server = net.createServer({ allowHalfOpen: true }, (client) => this.relay(client));
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket): void {
    const upstream = net.connect({ ...this.target, allowHalfOpen: true });
    const rec: Recording = {
      bytes: { 'dialer->listener': [], 'listener->dialer': [] },
      frames: [],
      closed: Promise.all([closedOf(client), closedOf(upstream)]).then(() => {}),
    };
    this.recordings.push(rec);
    this.forward(client, upstream, 'dialer->listener', rec);
    this.forward(upstream, client, 'listener->dialer', rec);
  }

  private forward(from: net.Socket, to: net.Socket, dir: Direction, rec: Recording): void {
    this.sockets.add(from);
    from.on('close', () => this.sockets.delete(from));
    const decoder = new FrameDecoder();
    from.on('data', (chunk: Buffer) => {
      rec.bytes[dir].push(Buffer.from(chunk));
      decoder.push(new Uint8Array(chunk));
      for (let f = decoder.next(); f !== undefined; f = decoder.next()) {
        rec.frames.push({ dir, type: f.type, payload: f.payload });
      }
      to.write(chunk);
    });
    from.on('end', () => to.end());
    from.on('error', () => to.destroy());
  }
}

function closedOf(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Walk the byte stream frame by frame from offset 0: every frame must open with the magic. */
function frameStarts(stream: Buffer): number[] {
  const starts: number[] = [];
  let at = 0;
  while (at < stream.length) {
    expect(stream.length - at, `truncated header at ${at}`).toBeGreaterThanOrEqual(HEADER_SIZE);
    expect([stream[at], stream[at + 1]], `magic at offset ${at}`).toEqual([MAGIC_0, MAGIC_1]);
    starts.push(at);
    at += HEADER_SIZE + stream.readUInt16BE(at + 4);
  }
  expect(at).toBe(stream.length);
  return starts;
}

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

function startCli(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Run the CLI to completion (killed after PROCESS_TIMEOUT_MS). */
function runCli(args: string[]): Promise<Exited> {
  const child = startCli(args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_TIMEOUT_MS);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** The first stdout line of a long-running CLI process, parsed as JSON. */
function firstJsonLine(child: ChildProcess): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`no line after ${PROCESS_TIMEOUT_MS} ms: ${err}`)),
      PROCESS_TIMEOUT_MS,
    );
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve(JSON.parse(out.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before printing: ${err}`)));
  });
}

function hostPort(addr: string): { host: string; port: number } {
  const colon = addr.lastIndexOf(':');
  return { host: addr.slice(0, colon), port: Number(addr.slice(colon + 1)) };
}

/** Distinctive enough that finding it by chance in ciphertext is out of the question. */
const MESSAGE = `veil-canary-${process.pid}-plaintext-must-not-leak`;
const STREAMS = 3;

describe('veil across two processes, observed on the wire', () => {
  let listener: ChildProcess;
  let listenerInfo: Record<string, string>;
  let relay: RecordingRelay;
  let relayAddr: string;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
    listener = startCli(['veil', 'listen', '--listen', '127.0.0.1:0', '--echo', '--json']);
    listenerInfo = await firstJsonLine(listener);
    relay = new RecordingRelay(hostPort(listenerInfo.listen));
    relayAddr = await relay.start();
  });

  afterAll(async () => {
    await relay?.stop();
    for (const child of children) child.kill('SIGKILL');
  });

  it('dials through the relay: echoes on every stream, the peer NodeID is the listener', async () => {
    const dial = await runCli([
      'veil',
      'dial',
      relayAddr,
      '--streams',
      String(STREAMS),
      '--message',
      MESSAGE,
      '--json',
    ]);
    expect(dial.code, dial.stderr).toBe(0);
    const result = JSON.parse(dial.stdout);
    expect(result.nodeId).toBe(listenerInfo.nodeId);
    expect(result.address).toBe(listenerInfo.address);
    expect(result.streams).toHaveLength(STREAMS);
    for (const s of result.streams) expect(s.echo).toBe(MESSAGE);
    const streamIds: number[] = result.streams.map((s: { stream: number }) => s.stream);
    expect(new Set(streamIds).size).toBe(STREAMS);

    expect(relay.recordings).toHaveLength(1);
    const rec = relay.recordings[0];
    await rec.closed;

    // Every frame of each direction opens with 0x56 0x48, back to back from the first byte.
    const raw = {
      'dialer->listener': Buffer.concat(rec.bytes['dialer->listener']),
      'listener->dialer': Buffer.concat(rec.bytes['listener->dialer']),
    };
    const counts = {
      d: frameStarts(raw['dialer->listener']).length,
      l: frameStarts(raw['listener->dialer']).length,
    };
    // The streaming decoder (fed the chunks as they arrived) found the same frames.
    expect(rec.frames.filter((f) => f.dir === 'dialer->listener')).toHaveLength(counts.d);
    expect(rec.frames.filter((f) => f.dir === 'listener->dialer')).toHaveLength(counts.l);

    // Three HANDSHAKE frames first, in Noise XX order, then only TRANSPORT frames.
    const firstThree = rec.frames.slice(0, 3).map((f) => [f.dir, f.type]);
    expect(firstThree).toEqual([
      ['dialer->listener', FrameType.HANDSHAKE],
      ['listener->dialer', FrameType.HANDSHAKE],
      ['dialer->listener', FrameType.HANDSHAKE],
    ]);
    const rest = rec.frames.slice(3);
    // The mux may pack all streams' frames into one message, so count directions, not streams.
    for (const f of rest) expect(f.type).toBe(FrameType.TRANSPORT);
    expect(rest.some((f) => f.dir === 'dialer->listener')).toBe(true);
    expect(rest.some((f) => f.dir === 'listener->dialer')).toBe(true);

    // Ciphertext only: the message is nowhere in the recording, in either direction, and no
    // transport payload shows a mux frame header (type, then the u32 stream id) in clear.
    const message = Buffer.from(MESSAGE);
    for (const bytes of Object.values(raw)) {
      expect(bytes.indexOf(message)).toBe(-1);
      expect(bytes.indexOf(Buffer.from(MESSAGE.slice(0, 12)))).toBe(-1);
    }
    for (const f of rest) {
      const payload = Buffer.from(f.payload);
      expect(payload.length).toBeGreaterThan(16); // an AEAD tag at least, plus a message
      for (const id of streamIds) {
        for (const muxType of [1, 2, 3, 4, 5]) {
          const header = Buffer.from([muxType, id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);
          expect(payload.indexOf(header), `mux header ${header.toString('hex')} in clear`).toBe(-1);
        }
      }
    }
  });

  it('a dial expecting another NodeID fails with PeerIdMismatchError and the listener keeps serving', async () => {
    const before = relay.recordings.length;
    const wrong = listenerInfo.nodeId.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const bad = await runCli(['veil', 'dial', relayAddr, '--expect', wrong, '--message', MESSAGE]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('PeerIdMismatchError');
    expect(bad.stdout).toBe('');

    // On the wire: the dialer stopped after message 2 and never sent message 3 (its identity).
    const rec = relay.recordings[before];
    await rec.closed;
    const fromDialer = rec.frames.filter((f) => f.dir === 'dialer->listener').map((f) => f.type);
    expect(fromDialer[0]).toBe(FrameType.HANDSHAKE);
    expect(fromDialer.filter((t) => t === FrameType.HANDSHAKE)).toHaveLength(1);
    expect(fromDialer.includes(FrameType.TRANSPORT)).toBe(false);

    expect(listener.exitCode).toBeNull();
    const good = await runCli(['veil', 'dial', relayAddr, '--expect', listenerInfo.nodeId, '--json']);
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout).nodeId).toBe(listenerInfo.nodeId);
  });

  it('the listener stops cleanly on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((resolve) => listener.once('exit', (code) => resolve(code)));
    listener.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
