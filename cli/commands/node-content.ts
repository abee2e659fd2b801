/**
 * `valhalla node`'s content service: Saga with its blocks on disk (DATA/blocks), serving peers on
 * /valhalla/saga/1 and adding put-content / get-content to the admin socket.
 */
import { join } from 'node:path';
import type { ExtraAdminCommands } from '../../live/admin-server.js';
import { FileBlockStore } from '../../live/block-store.js';
import { contentCommands } from '../../live/content-admin.js';
import { parseSizeBytes } from '../../scenarios/size.js';
import { NodeId } from '../../stack/identity/node-id.js';
import type { ValhallaNode } from '../../stack/node/index.js';
import type { Runtime } from '../../stack/runtime.js';
import {
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  publishAuthorizer,
  type Saga,
  sagaOnNode,
} from '../../stack/saga/index.js';
import { type Parsed, stringFlag } from '../args.js';
import { UsageError } from '../errors.js';

export const CONTENT_FLAGS = {
  'store-limit': {
    type: 'string',
    arg: 'SIZE',
    help: 'most bytes of content the node keeps in DATA/blocks (e.g. 512MiB, 10GiB; default 1GiB)',
  },
  'publish-issuer': {
    type: 'string',
    multiple: true,
    arg: 'NODEID',
    help: 'publish only under a Rune token (ability saga/publish on saga:content/*) granted to this node by this issuer (repeatable)',
  },
  'chunk-size': {
    type: 'string',
    arg: 'SIZE',
    help: `chunk size of content published here (1KiB..1MiB; default ${DEFAULT_CHUNK_SIZE / 1024}KiB)`,
  },
} as const;

function sizeFlag(parsed: Parsed, name: string, fallback: number, min: number, max: number): number {
  const text = stringFlag(parsed, name);
  if (text === undefined) return fallback;
  const n = parseSizeBytes(text);
  if (n === undefined || n < min || n > max) {
    throw new UsageError(
      `--${name}: expected a size between ${min} and ${max} bytes such as 256KiB, got "${text}"`,
    );
  }
  return n;
}

export function startContent(
  node: ValhallaNode,
  runtime: Runtime,
  dataDir: string,
  parsed: Parsed,
): { saga: Saga; commands: ExtraAdminCommands } {
  const limitBytes = sizeFlag(parsed, 'store-limit', 1024 ** 3, 0, Number.MAX_SAFE_INTEGER);
  const chunkSizeBytes = sizeFlag(parsed, 'chunk-size', DEFAULT_CHUNK_SIZE, MIN_CHUNK_SIZE, MAX_CHUNK_SIZE);
  const store = new FileBlockStore(join(dataDir), { limitBytes });
  const issuers = ((parsed.values['publish-issuer'] as string[] | undefined) ?? []).map((text) => {
    try {
      return NodeId.parse(text);
    } catch (err) {
      throw new UsageError(`--publish-issuer: ${(err as Error).message}`);
    }
  });
  const authorizePublish =
    issuers.length > 0
      ? publishAuthorizer({ trust: issuers }, node.identity.nodeId, () => runtime.clock.wallNow())
      : undefined;
  const saga = sagaOnNode(
    node,
    runtime,
    { chunkSizeBytes, ...(authorizePublish ? { authorizePublish } : {}) },
    store,
  );
  saga.start();
  return { saga, commands: contentCommands(saga) };
}
