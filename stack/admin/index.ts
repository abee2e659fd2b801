/**
 * stack/admin: the commands an operator (or a scenario driver) sends to a running node, as typed
 * requests and responses over plain JSON values. Transport-free: live/ serves them on a Unix
 * socket, the simulator calls them directly. A handler never throws past dispatch(): every failure
 * becomes { ok: false, error: { name, message } }.
 */
import { bytesToHex } from '../identity/hex.js';
import { NodeId } from '../identity/node-id.js';
import type { ValhallaNode } from '../node/index.js';

export interface AdminRequest {
  cmd: string;
  args?: Record<string, unknown>;
}

export type AdminResponse =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; error: { name: string; message: string } };

/** A request that names no known command or carries bad arguments. */
export class AdminRequestError extends Error {
  override name = 'AdminRequestError';
}

type Handler = (node: ValhallaNode, args: Record<string, unknown>) => Promise<Record<string, unknown>>;

function nodeIdArg(args: Record<string, unknown>, name: string): string {
  const v = args[name];
  if (typeof v !== 'string')
    throw new AdminRequestError(`${name}: expected a NodeID (64 lowercase hex characters)`);
  return NodeId.parse(v).toString(); // NodeIdError names what is wrong with it
}

function stringArg(args: Record<string, unknown>, name: string): string {
  const v = args[name];
  if (typeof v !== 'string' || v === '') throw new AdminRequestError(`${name}: expected a non-empty string`);
  return v;
}

export const ADMIN_COMMANDS: Record<string, { summary: string; handler: Handler }> = {
  self: {
    summary: 'NodeID, overlay address, listen addresses, uptime',
    handler: async (node) => ({
      nodeId: node.nodeId,
      address: node.address,
      listen: [...node.listen],
      uptimeMs: Math.round(node.uptimeMs),
    }),
  },
  peers: {
    summary: 'known live peers: routing-table entries and open sessions',
    handler: async (node) => {
      // A peer is one we can reach: in the routing table (checked for liveness by the DHT) or
      // with a session open right now. Sessions are closed when idle, so they alone undercount.
      const sessions = new Map(node.dht.peers().map((p) => [p.nodeId, p]));
      const out = new Map<string, Record<string, unknown>>();
      for (const e of node.dht.table().entries) {
        const s = sessions.get(e.nodeId);
        out.set(e.nodeId, {
          nodeId: e.nodeId,
          addrs: [...e.addrs],
          inTable: true,
          connected: !!s,
          direction: s?.direction ?? null,
        });
      }
      for (const s of sessions.values()) {
        if (out.has(s.nodeId)) continue;
        out.set(s.nodeId, {
          nodeId: s.nodeId,
          addrs: [...s.addrs],
          inTable: false,
          connected: true,
          direction: s.direction,
        });
      }
      return { peers: [...out.values()] };
    },
  },
  table: {
    summary: 'routing table occupancy per bucket',
    handler: async (node) => {
      const t = node.dht.table();
      return { size: t.size, buckets: t.buckets };
    },
  },
  lookup: {
    summary: 'iterative lookup of a NodeID',
    handler: async (node, args) => {
      const r = await node.dht.lookup(nodeIdArg(args, 'nodeId'));
      return {
        found: r.found,
        nodeId: nodeIdArg(args, 'nodeId'),
        addrs: r.peer ? [...r.peer.addrs] : [],
        hops: r.hops,
        queries: r.queries,
        ms: r.ms,
      };
    },
  },
  ping: {
    summary: 'round trip to a node over the overlay',
    handler: async (node, args) => ({
      nodeId: nodeIdArg(args, 'nodeId'),
      rttMs: await node.dht.ping(nodeIdArg(args, 'nodeId')),
    }),
  },
  put: {
    summary: 'store a signed value under (our NodeID, name)',
    handler: async (node, args) => {
      const r = await node.dht.put(
        stringArg(args, 'name'),
        new TextEncoder().encode(stringArg(args, 'value')),
      );
      return { key: bytesToHex(r.key), seq: r.seq, stored: r.stored, attempted: r.attempted };
    },
  },
  get: {
    summary: 'fetch a signed value by key',
    handler: async (node, args) => {
      const r = await node.dht.get(stringArg(args, 'key'));
      if (!r) return { found: false };
      return {
        found: true,
        value: new TextDecoder().decode(r.value),
        author: bytesToHex(r.authorId),
        name: new TextDecoder().decode(r.name),
        seq: r.seq,
        holders: r.holders,
      };
    },
  },
};

export async function dispatch(node: ValhallaNode, req: AdminRequest): Promise<AdminResponse> {
  try {
    const entry = typeof req?.cmd === 'string' ? ADMIN_COMMANDS[req.cmd] : undefined;
    if (!entry) {
      throw new AdminRequestError(
        `unknown command "${String(req?.cmd)}": expected one of ${Object.keys(ADMIN_COMMANDS).join(', ')}`,
      );
    }
    return { ok: true, result: await entry.handler(node, req.args ?? {}) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { ok: false, error: { name: e.name, message: e.message } };
  }
}
