/**
 * stack/realm/pubsub: topics and a gossip mesh per topic (gossipsub-like: D/D_lo/D_hi degree
 * bounds, IHAVE/IWANT repair), topic peers found through DHT provider records, every message
 * signed by its author and validated before it is delivered or forwarded, a seen-cache, and limits
 * that keep a hostile peer from flooding us (rate per peer, frame and message sizes, IWANT replies,
 * queued bytes, a count of invalid input after which the peer is cut off).
 *
 * It must never forward a message it has not verified, never let a peer's input throw out of a
 * handler, and never take time or randomness from anywhere but the Runtime.
 */
export { VerifiedMessages } from './caches.js';
export * from './codec.js';
export * from './constants.js';
export * from './message.js';
export * from './pubsub.js';
