/**
 * stack/realm/replica: CRDTs replicated over pub/sub (deltas) with periodic anti-entropy over RPC
 * (digest exchange, then what is missing), so replicas that were cut off catch up after a heal.
 * It never trusts a peer's state before decodeState() checked it, and never lets a bad delta
 * throw out of a pub/sub handler.
 */
export * from './store.js';
