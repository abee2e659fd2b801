/**
 * stack/tun: IPv6 over the overlay. A TUN device (from the Runtime) gives the host an address
 * derived from the node's NodeID; packets to another node's address travel on Veil streams,
 * directly or through relays with end-to-end encryption. Spec: conformance/spec/tun.md.
 *
 * It must never write a packet to the host whose source is not the authenticated sender's own
 * address, never let a relay see more than the destination NodeID and ciphertext, never touch
 * the OS itself (the device comes from the Runtime), and never throw out of a packet handler.
 */
export * from './codec.js';
export * from './constants.js';
export * from './errors.js';
export * from './ipv6.js';
export { tunPortOf } from './node-port.js';
export type { TunNodePort, TunPeer, TunSecureSession } from './port.js';
export { Route, TunService, type TunServiceComponents, type TunServiceInit } from './service.js';
