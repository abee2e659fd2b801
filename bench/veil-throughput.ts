/**
 * `valhalla bench throughput`: single-stream throughput through Bifrost + Veil between two
 * processes, and the raw node:net ceiling in the same run.
 *
 * The receiver is a child process (`valhalla veil listen --sink`, or raw-tcp-peer.ts for raw).
 * This process dials, opens one stream and writes 1 GiB in 64 KiB writes, honouring
 * backpressure (write until it returns false, then wait for onDrain), then ends the stream. The
 * clock runs from the first write until the sink's 8-byte answer arrives, so it stops only once
 * the receiving application has counted every byte; the count is checked against what was sent.
 * A 64 MiB transfer on the same path warms up the JIT first and is not counted.
 *
 * Two references are measured in the same run: raw node:net (the ceiling of the socket path, with
 * Node's default fresh array per read) and "sealed" node:net, where each 64 KiB write is one
 * ChaCha20-Poly1305 record and nothing else (sealed-records.ts): the naive encrypted transport, a
 * fresh array per read and per record. Veil reuses its arrays instead (its reads land in one
 * buffer, its frames and large plaintexts are reused, live/connection.ts and stack/veil/session.ts),
 * so percentOfSealed can pass 100: the framing, mux and flow control cost less than the allocations.
 */

import * as net from 'node:net';
import { concat, decodeCount } from '../cli/commands/veil-common.js';
import { createLiveRuntime, LiveLogger, LiveRng } from '../live/index.js';
import { generateIdentity } from '../stack/identity/index.js';
import type { Connection } from '../stack/runtime.js';
import { Veil } from '../stack/veil/veil.js';
import { type PeerProcess, round, spawnRawTcpPeer, spawnVeilListener } from './peer-process.js';
import type { Figures } from './registry.js';
import { RecordCipher, recordBytes } from './sealed-records.js';

export const THROUGHPUT_ANCHORS: Record<string, string> = {
  megabytesPerSec: 'js-libp2p 337 MB/s [318-400] (target >= 675 MB/s and >= 40% of raw)',
  rawTcpMegabytesPerSec: 'ANCHORS raw node:net 1,710 MB/s [1,261-2,376]',
  sealedTcpMegabytesPerSec: 'node:net + one AEAD record per write, no framing/mux, fresh arrays (same run)',
  receiverCpuPercent: 'js-libp2p receiver 94%',
  cpuBoundMegabytesPerSec: 'MB / CPU-seconds of the busier side: the rate if neither side waited',
};

export interface ThroughputBenchOptions {
  /** Bytes per measured transfer (default 1 GiB). */
  totalBytes?: number;
  /** Bytes per write (default 64 KiB). */
  writeBytes?: number;
  /** Bytes of the unmeasured warm-up transfer (default 64 MiB). */
  warmupBytes?: number;
  progress?: (line: string) => void;
}

/** The receiver counted a different number of bytes than were sent. */
export class TransferCountError extends Error {
  override name = 'TransferCountError';
}

const MB = 1e6; // MB/s as in ANCHORS.md: 10^6 bytes per second
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

interface Transfer {
  ms: number;
  senderCpuMs: number;
  receiverCpuMs: number;
}

export async function benchThroughput(opts: ThroughputBenchOptions = {}): Promise<Figures> {
  const total = opts.totalBytes ?? GiB;
  const writeBytes = opts.writeBytes ?? 64 * KiB;
  const warmup = opts.warmupBytes ?? 64 * MiB;
  const progress = opts.progress ?? (() => {});
  const chunk = new Uint8Array(writeBytes);
  // Not all zeros, so nothing on the path can get lucky with a trivial pattern.
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131 + 7) & 0xff;

  progress(`Veil: ${mib(total)} MiB in ${writeBytes / KiB} KiB writes (after a ${mib(warmup)} MiB warm-up)`);
  const veil = await veilTransfer(chunk, total, warmup);
  progress(`raw node:net: the same transfer`);
  const raw = await rawTransfer(chunk, total, warmup, false);
  progress(`raw node:net with each write sealed (ChaCha20-Poly1305, no framing or mux): the same transfer`);
  const sealed = await rawTransfer(chunk, total, warmup, true);
  const veilMBps = total / MB / (veil.ms / 1000);
  const rawMBps = total / MB / (raw.ms / 1000);
  const sealedMBps = total / MB / (sealed.ms / 1000);
  return {
    totalBytes: total,
    writeBytes,
    megabytesPerSec: Math.round(veilMBps),
    rawTcpMegabytesPerSec: Math.round(rawMBps),
    percentOfRaw: round((100 * veilMBps) / rawMBps, 1),
    sealedTcpMegabytesPerSec: Math.round(sealedMBps),
    percentOfSealed: round((100 * veilMBps) / sealedMBps, 1),
    seconds: round(veil.ms / 1000),
    // What this run's CPU cost per byte would allow if neither process ever waited (the busier
    // side's CPU time alone): on a shared 2-vCPU machine the wall-clock figure mostly measures
    // how often the two processes were scheduled together.
    cpuBoundMegabytesPerSec: Math.round(total / MB / (Math.max(veil.senderCpuMs, veil.receiverCpuMs) / 1000)),
    senderCpuPercent: round((100 * veil.senderCpuMs) / veil.ms, 1),
    receiverCpuPercent: round((100 * veil.receiverCpuMs) / veil.ms, 1),
    rawSenderCpuPercent: round((100 * raw.senderCpuMs) / raw.ms, 1),
    rawReceiverCpuPercent: round((100 * raw.receiverCpuMs) / raw.ms, 1),
    sealedSenderCpuPercent: round((100 * sealed.senderCpuMs) / sealed.ms, 1),
    sealedReceiverCpuPercent: round((100 * sealed.receiverCpuMs) / sealed.ms, 1),
  };
}

async function veilTransfer(chunk: Uint8Array, total: number, warmup: number): Promise<Transfer> {
  const sink = await spawnVeilListener('sink');
  const runtime = createLiveRuntime({ logger: new LiveLogger({ level: 'warn' }) });
  const veil = new Veil({ runtime, identity: generateIdentity(new LiveRng()) });
  try {
    await veil.start();
    const session = await veil.dial(sink.listen);
    if (warmup > 0) await sendAll(session.openStream(), chunk, warmup);
    return await measured(sink, () => sendAll(session.openStream(), chunk, total));
  } finally {
    await veil.stop();
    await runtime.shutdown();
    await sink.stop();
  }
}

/** Plain node:net; sealed: each write goes out as one sealed record (sealed-records.ts). */
async function rawTransfer(
  chunk: Uint8Array,
  total: number,
  warmup: number,
  sealed: boolean,
): Promise<Transfer> {
  const sink = await spawnRawTcpPeer(sealed ? recordBytes(chunk.length) : undefined);
  try {
    if (warmup > 0) await sendAll(await rawConnection(sink.listen, sealed), chunk, warmup);
    const socket = await rawConnection(sink.listen, sealed);
    return await measured(sink, () => sendAll(socket, chunk, total));
  } finally {
    await sink.stop();
  }
}

async function measured(receiver: PeerProcess, transfer: () => Promise<void>): Promise<Transfer> {
  const receiverCpu0 = receiver.cpuMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await transfer();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, senderCpuMs: (cpu.user + cpu.system) / 1000, receiverCpuMs: receiver.cpuMs() - receiverCpu0 };
}

/** The write side of a transfer, over a Veil stream or a raw socket. */
interface Sendable {
  write(chunk: Uint8Array): boolean;
  end(): void;
}

/**
 * Write `total` bytes of chunk repeats (the chunk is never modified, so reusing it honours the
 * Connection contract), pausing whenever write() says the buffer is full; then end and wait for
 * the sink's count. Resolves once the count matches.
 */
function sendAll(conn: Connection | RawConnection, chunk: Uint8Array, total: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const answer: Uint8Array[] = [];
    let sent = 0;
    const pump = (out: Sendable) => {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!out.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return;
      }
      out.end();
    };
    conn.setHandler({
      onData: (c) => void answer.push(c),
      onDrain: () => pump(conn),
      onClose: (err) => {
        if (err) return reject(err);
        try {
          const counted = decodeCount(concat(answer));
          if (counted !== total)
            throw new TransferCountError(`sent ${total} bytes, the sink counted ${counted}`);
          resolve();
        } catch (e) {
          reject(e);
        }
      },
    });
    pump(conn);
  });
}

/** A plain socket with the few Connection methods sendAll uses. */
interface RawConnection extends Sendable {
  setHandler(h: { onData(c: Uint8Array): void; onDrain(): void; onClose(err?: Error): void }): void;
}

function rawConnection(addr: string, sealed: boolean): Promise<RawConnection> {
  const cipher = sealed ? new RecordCipher() : undefined;
  const colon = addr.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: addr.slice(0, colon),
      port: Number(addr.slice(colon + 1)),
      noDelay: true,
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      let failure: Error | undefined;
      socket.on('error', (err) => {
        failure = err;
      });
      resolve({
        write: (c) => socket.write(cipher === undefined ? c : cipher.seal(c)),
        end: () => socket.end(),
        setHandler(h) {
          socket.on('data', h.onData);
          socket.on('drain', h.onDrain);
          socket.on('close', () => h.onClose(failure));
        },
      });
    });
  });
}

function mib(bytes: number): string {
  return (bytes / MiB).toLocaleString('en-US', { maximumFractionDigits: 1 });
}
