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

/**
 * A streaming request (`subscribe`): resolves with the first response once the stream ends; each
 * later line's event goes to onEvent, which returns false to stop. Ends on SIGINT too.
 */
export async function adminStream(
  path: string,
  cmd: string,
  args: Record<string, unknown>,
  onEvent: (event: Record<string, unknown>) => boolean,
  onOpen?: (result: Record<string, unknown>) => void,
): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let buffered = '';
    let first: AdminResponse | undefined;
    const stop = (): void => {
      sock.end();
      sock.destroy();
    };
    process.once('SIGINT', stop);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify({ cmd, args })}\n`));
    sock.on('data', (t: string) => {
      buffered += t;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        let msg: { event?: Record<string, unknown> } & Partial<AdminResponse>;
        try {
          msg = JSON.parse(line);
        } catch (err) {
          stop();
          reject(err);
          return;
        }
        if (!first) {
          first = msg as AdminResponse;
          if (!first.ok) stop();
          else onOpen?.(first.result);
        } else if (msg.event && !onEvent(msg.event)) {
          stop();
          return;
        }
      }
    });
    sock.on('close', () => {
      process.off('SIGINT', stop);
      if (first) resolve(first);
      else reject(new UsageError(`${path} closed the connection before answering (did the node stop?)`));
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      reject(new UsageError(`cannot reach the admin socket ${path}: ${err.code ?? err.message}`));
    });
  });
}
