import { createConnection } from 'node:net';
import type { AdminResponse } from '../stack/admin/index.js';
import { UsageError } from './errors.js';

/** One request to a node's admin socket; resolves to its response. */
export async function adminRequest(
  path: string,
  cmd: string,
  args: Record<string, unknown> = {},
  timeoutMs = 60_000,
): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let buffered = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new UsageError(`no answer from ${path} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify({ cmd, args })}\n`));
    sock.on('data', (t: string) => {
      buffered += t;
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.end();
      try {
        resolve(JSON.parse(buffered.slice(0, nl)) as AdminResponse);
      } catch (err) {
        reject(err);
      }
    });
    sock.on('close', () => {
      // Closed without an answer (the node stopped or crashed meanwhile); a no-op once settled.
      clearTimeout(timer);
      reject(new UsageError(`${path} closed the connection before answering (did the node stop?)`));
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint =
        err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
          ? ' (is the node running? start one with: valhalla node --admin PATH ...)'
          : '';
      reject(new UsageError(`cannot reach the admin socket ${path}: ${err.code ?? err.message}${hint}`));
    });
  });
}
