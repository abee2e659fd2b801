/**
 * The raw node:net ceiling's other process: a plain TCP server on 127.0.0.1 (port 0) that counts
 * each connection's bytes and answers its end with the count, exactly like `veil listen --sink`
 * but with no framing, crypto or mux. Socket options match the live Runtime's (noDelay,
 * allowHalfOpen), so the two measurements differ only in Bifrost + Veil.
 *
 * With `--open RECORD_BYTES` it is the receiving half of the crypto floor (sealed-records.ts):
 * the stream is cut into records of that size, each is opened (authenticated and decrypted), and
 * the answer counts plaintext bytes; a record that fails to open resets the connection.
 *
 * Run as a child by bench/peer-process.ts: `node dist/bench/raw-tcp-peer.js [--open N]`. Prints
 * {"listen": "127.0.0.1:PORT"} once listening; exits 0 on SIGTERM or SIGINT.
 */

import * as net from 'node:net';
import { RecordReader } from './sealed-records.js';

const COUNT_SIZE = 8; // bytes: u64 big-endian, as in veil listen --sink

const openAt = process.argv.indexOf('--open');
const recordSize = openAt < 0 ? 0 : Number(process.argv[openAt + 1]);
if (openAt >= 0 && !(Number.isInteger(recordSize) && recordSize > 0)) {
  process.stderr.write(
    `raw-tcp-peer: --open needs a record size in bytes, got ${process.argv[openAt + 1]}\n`,
  );
  process.exit(2);
}

const sockets = new Set<net.Socket>();
const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
  sockets.add(socket);
  const reader = recordSize > 0 ? new RecordReader(recordSize) : undefined;
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    if (reader === undefined) {
      received += chunk.length;
      return;
    }
    try {
      reader.push(chunk);
    } catch (err) {
      process.stderr.write(`raw-tcp-peer: ${String(err)}\n`);
      socket.destroy();
    }
  });
  socket.on('end', () => {
    try {
      reader?.end();
    } catch (err) {
      process.stderr.write(`raw-tcp-peer: ${String(err)}\n`);
      socket.destroy();
      return;
    }
    const answer = Buffer.alloc(COUNT_SIZE);
    answer.writeBigUInt64BE(BigInt(reader?.plaintextBytes ?? received));
    socket.end(answer);
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => sockets.delete(socket));
});

server.listen({ host: '127.0.0.1', port: 0 }, () => {
  const { port } = server.address() as net.AddressInfo;
  process.stdout.write(`${JSON.stringify({ listen: `127.0.0.1:${port}` })}\n`);
});

function stop(): void {
  server.close();
  for (const s of sockets) s.destroy();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
