/**
 * stack/realm/crdt: conflict-free replicated data types that merge themselves: G-Counter,
 * PN-Counter, LWW-Register, OR-Set (add-wins) and a map of CRDTs. Every mutation returns a delta
 * (a small state); applying a delta is a merge, and merge is commutative, associative and
 * idempotent, so replicas that receive the same deltas in any order, any number of times, agree.
 *
 * This layer is pure functions over plain JSON-shaped states: it never touches the network, the
 * clock or randomness (a timestamp is passed in by the caller), and it never trusts a state from
 * a peer before decodeState() has checked it.
 */

export * from './canonical.js';
export * from './crdt.js';
export * from './crdt-map.js';
export * from './errors.js';
export * from './g-counter.js';
export * from './lww-register.js';
export * from './or-set.js';
export * from './pn-counter.js';
export * from './replica-id.js';
