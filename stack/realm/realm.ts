/**
 * Realm on one node: pub/sub, RPC and replicated CRDT stores composed on a RealmNode (the
 * ValhallaNode of stack/node) and its DHT. `new Realm({ runtime, identity, node, dht }, init)`,
 * start(), then realm.pubsub, realm.rpc, realm.openStore(name).
 */
import type { CryptoBackend } from '../crypto/types.js';
import type { Identity } from '../identity/identity.js';
import type { Runtime } from '../runtime.js';
import type { RealmDirectory, RealmNode } from './node-port.js';
import { PubSub, type PubSubInit } from './pubsub/pubsub.js';
import { ReplicatedStore, type StoreInit } from './replica/store.js';
import { Rpc, type RpcInit } from './rpc/rpc.js';

export interface RealmComponents {
  runtime: Runtime;
  identity: Pick<Identity, 'nodeId' | 'publicKey' | 'signingKey'>;
  node: RealmNode;
  dht?: RealmDirectory;
  crypto?: CryptoBackend;
}

export interface RealmInit {
  pubsub?: PubSubInit;
  rpc?: RpcInit;
}

export class Realm {
  readonly pubsub: PubSub;
  readonly rpc: Rpc;
  private readonly stores = new Map<string, ReplicatedStore>();

  constructor(
    private readonly components: RealmComponents,
    init: RealmInit = {},
  ) {
    this.pubsub = new PubSub(components, init.pubsub);
    this.rpc = new Rpc(components, init.rpc);
  }

  start(): void {
    this.pubsub.start();
    this.rpc.start();
  }

  stop(): void {
    for (const s of this.stores.values()) s.stop();
    this.stores.clear();
    this.pubsub.stop();
    this.rpc.stop();
  }

  /** Open (and start) a replicated store; the same name on another node is the same data. */
  openStore(name: string, init: StoreInit & { replicaId?: string } = {}): ReplicatedStore {
    const held = this.stores.get(name);
    if (held) return held;
    const { replicaId, ...rest } = init;
    const store = new ReplicatedStore(
      {
        runtime: this.components.runtime,
        pubsub: this.pubsub,
        rpc: this.rpc,
        ...(replicaId ? { replicaId } : {}),
        ...(this.components.crypto ? { crypto: this.components.crypto } : {}),
      },
      name,
      rest,
    );
    store.start();
    this.stores.set(name, store);
    return store;
  }
}
