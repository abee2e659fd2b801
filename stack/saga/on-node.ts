/**
 * Saga on a ValhallaNode: application streams from the node (handle/openStream, protocol
 * SAGA_PROTOCOL), provider records from its DHT.
 */
import type { ValhallaNode } from '../node/index.js';
import type { Runtime } from '../runtime.js';
import { Saga, type SagaInit } from './saga.js';
import type { BlockStore } from './store.js';

export function sagaOnNode(
  node: ValhallaNode,
  runtime: Runtime,
  init: SagaInit = {},
  store?: BlockStore,
): Saga {
  return new Saga(
    { runtime, streams: node, routing: node.dht, selfId: node.nodeId, ...(store ? { store } : {}) },
    init,
  );
}
