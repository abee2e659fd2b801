/**
 * The daemon's content commands on the admin socket: put-content reads a file and publishes it,
 * get-content fetches a CID and writes it to a file. They live here, not in stack/admin, because
 * they touch files (served as the daemon's extra commands, live/admin-server.ts). Paths are the caller's (ctl sends absolute ones): the admin socket is a local
 * Unix socket, so the node and its operator share a filesystem.
 *
 * get-content writes to a temporary file beside the target and renames it into place only after
 * every chunk verified: a failed or interrupted fetch never leaves a partial or corrupt file under
 * the requested name (its verified chunks stay in the store, so running it again resumes).
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { AdminRequestError } from '../stack/admin/index.js';
import type { FetchResult, Saga } from '../stack/saga/index.js';
import type { ExtraAdminCommands } from './admin-server.js';

function pathArg(args: Record<string, unknown>, name: string): string {
  const v = args[name];
  if (typeof v !== 'string' || v === '' || !isAbsolute(v)) {
    throw new AdminRequestError(`${name}: expected an absolute file path`);
  }
  return v;
}

function optionalInt(args: Record<string, unknown>, name: string): number | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new AdminRequestError(`${name}: expected a positive integer`);
  }
  return v;
}

function stats(r: FetchResult): Record<string, unknown> {
  return {
    cid: r.cid.toString(),
    sizeBytes: r.sizeBytes,
    ms: r.ms,
    ttfbMs: Number.isNaN(r.ttfbMs) ? null : r.ttfbMs,
    local: r.local,
    providersFound: r.providersFound,
    providersTried: r.providersTried,
    corruptBlocks: r.corruptBlocks,
    stalls: r.stalls,
    failures: r.failures,
    blocksFetched: r.blocksFetched,
    bytesFetched: r.bytesFetched,
  };
}

export function contentCommands(saga: Saga): ExtraAdminCommands {
  return {
    'put-content': {
      summary: 'publish a file: store it chunked, announce us as its provider; prints the CID',
      handler: async (args) => {
        const path = pathArg(args, 'path');
        const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
          throw new AdminRequestError(`cannot read ${path}: ${err.code ?? err.message}`);
        });
        const chunkSizeBytes = optionalInt(args, 'chunkSizeBytes');
        const token = typeof args.token === 'string' ? args.token : undefined;
        const r = await saga.publish(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
          ...(chunkSizeBytes ? { chunkSizeBytes } : {}),
          ...(token ? { token } : {}),
        });
        return {
          cid: r.cid.toString(),
          sizeBytes: r.sizeBytes,
          blocks: r.blocks,
          stored: r.stored,
          attempted: r.attempted,
        };
      },
    },
    'get-content': {
      summary: 'fetch content by CID from its providers, verify every chunk, write it to a file',
      handler: async (args) => {
        const cid = typeof args.cid === 'string' ? args.cid : '';
        const out = pathArg(args, 'out');
        const r = await saga.fetch(cid, { assemble: false, provide: args.provide === true });
        const tmp = join(dirname(out), `.${randomBytes(6).toString('hex')}.valhalla-part`);
        const file = await open(tmp, 'wx', 0o644).catch((err: NodeJS.ErrnoException) => {
          throw new AdminRequestError(`cannot write in ${dirname(out)}: ${err.code ?? err.message}`);
        });
        try {
          for await (const chunk of saga.chunks(r.cid)) await file.write(chunk);
          await file.close();
          await rename(tmp, out);
        } catch (err) {
          await file.close().catch(() => undefined);
          await unlink(tmp).catch(() => undefined);
          throw err;
        }
        return { ...stats(r), out };
      },
    },
  };
}
