/**
 * The daemon's Realm commands on the admin socket: `call` (RPC to a NodeID), `publish` (a pub/sub
 * message) and the streaming `subscribe` (one response, then one JSON line per message until the
 * client closes). The daemon also serves three RPC methods of its own, so that `ctl call` has
 * something to call on any node: realm.ping (open), realm.echo (open) and realm.whoami (requires
 * a Rune token granting rpc/call on rpc:realm.whoami, issued by the node itself or delegated).
 */
import { AdminRequestError } from '../stack/admin/index.js';
import { NodeId } from '../stack/identity/node-id.js';
import type { Json } from '../stack/realm/crdt/index.js';
import type { Realm } from '../stack/realm/index.js';
import { Token } from '../stack/rune/index.js';
import type { ExtraAdminCommands, StreamAdminCommands } from './admin-server.js';

function str(args: Record<string, unknown>, name: string): string {
  const v = args[name];
  if (typeof v !== 'string' || v === '') throw new AdminRequestError(`${name}: expected a non-empty string`);
  return v;
}

/** Register the daemon's own RPC methods. */
export function registerDaemonMethods(realm: Realm, selfId: string, wallNow: () => number): void {
  realm.rpc.register('realm.ping', () => ({ nodeId: selfId, wallMs: wallNow() }));
  realm.rpc.register('realm.echo', (p) => p);
  realm.rpc.register(
    'realm.whoami',
    (_p, ctx) => ({ caller: ctx.peer.toString(), served: selfId, authorized: ctx.capability !== undefined }),
    { auth: true },
  );
}

export function realmCommands(realm: Realm): ExtraAdminCommands {
  return {
    call: {
      summary: 'call an RPC method on a node: call <nodeId> <method> [JSON params]',
      handler: async (args) => {
        const target = NodeId.parse(str(args, 'nodeId'));
        const method = str(args, 'method');
        let params: Json = null;
        if (typeof args.params === 'string' && args.params !== '') {
          try {
            params = JSON.parse(args.params) as Json;
          } catch {
            throw new AdminRequestError(`params: not JSON: ${args.params}`);
          }
        }
        const timeoutMs = typeof args.timeoutMs === 'number' ? args.timeoutMs : undefined;
        const token = typeof args.token === 'string' ? Token.parse(args.token) : undefined;
        const result = await realm.rpc.call(target, method, params, {
          ...(timeoutMs ? { timeoutMs } : {}),
          ...(token ? { token } : {}),
        });
        return { result };
      },
    },
    publish: {
      summary: 'publish a message to a topic: publish <topic> <message>',
      handler: async (args) => {
        const topic = str(args, 'topic');
        const message = typeof args.message === 'string' ? args.message : '';
        return realm.pubsub.publish(topic, new TextEncoder().encode(message));
      },
    },
  };
}

export function realmStreams(realm: Realm): StreamAdminCommands {
  return {
    subscribe: {
      summary: 'print messages of a topic as they arrive: subscribe <topic>',
      handler: async (args, emit) => {
        const topic = str(args, 'topic');
        const decoder = new TextDecoder('utf-8', { fatal: true });
        const off = realm.pubsub.subscribe(topic, (m) => {
          let text: string | undefined;
          try {
            text = decoder.decode(m.data);
          } catch {
            text = undefined;
          }
          emit({
            topic: m.topic,
            id: m.id,
            from: m.from,
            seqno: m.seqno,
            ...(text === undefined ? { dataHex: Buffer.from(m.data).toString('hex') } : { data: text }),
          });
        });
        return { result: { subscribed: topic }, close: off };
      },
    },
  };
}
