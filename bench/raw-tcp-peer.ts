/**
 * The raw node:net ceiling's other process: a plain TCP server on 127.0.0.1 (port 0) that counts
 * each connection's bytes and answers its end with the count, exactly like `veil listen --sink`
 * but with no framing, crypto or mux. Socket options match the live Runtime's (noDelay,
 * allowHalfOpen), so the two measurements differ only in Bifrost + Veil.
 *
 * Run as a child by bench/peer-process.ts: `node dist/bench/raw-tcp-peer.js`. Prints
 * {"listen": "127.0.0.1:PORT"} once listening; exits 0 on SIGTERM or SIGINT.
 */

import * as net from 'node:net';

const COUNT_SIZE = 8; // bytes: u64 big-endian, as in veil listen --sink

const sockets = new Set<net.Socket>();
const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
  sockets.add(socket);
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  socket.on('end', () => {
    const answer = Buffer.alloc(COUNT_SIZE);
    answer.writeBigUInt64BE(BigInt(received));
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
