/** Defaults of the TUN layer (implementation choices, not wire constants; see conformance/spec/tun.md). */

/** Largest packet whose frame fits one Veil mux message (65,519 - 7 mux header - 4 frame header). */
export const DEFAULT_MTU = 65_508; // bytes
export const DEFAULT_HOP_LIMIT = 8; // relays a circuit may cross
/** Finding who owns an address: past this, the host gets ICMPv6 unreachable (issue: within 2 s). */
export const DEFAULT_RESOLVE_TIMEOUT_MS = 1_500;
/** Trying a direct stream to the owner before building a relayed circuit. */
export const DEFAULT_DIRECT_TIMEOUT_MS = 1_000;
/** An address found unreachable is answered at once with ICMPv6 for this long, then tried again. */
export const DEFAULT_NEGATIVE_CACHE_MS = 2_000;
export const RELAY_STATUS_TIMEOUT_MS = 5_000; // waiting for the next hop's relay status
export const RELAY_HEADER_TIMEOUT_MS = 5_000; // waiting for a relay request on an inbound stream
export const CIRCUIT_MEMORY_MS = 30_000; // a circuit id is remembered this long (loop protection)
export const MAX_RELAYED_CIRCUITS = 256; // circuits this node splices at once
export const RELAY_FANOUT = 3; // next hops tried per circuit when the destination is not a peer
/** Packets held per destination while its route is being found. */
export const PENDING_MAX_PACKETS = 64;
export const PENDING_MAX_BYTES = 1024 * 1024;
/**
 * Bytes queued on a route's stream past its high-water mark before the service stops reading the
 * device until the stream drains (backpressure; see TunService.pauseFor).
 */
export const PAUSE_QUEUED_BYTES = 512 * 1024;
/** A route that keeps the device paused this long without draining is dropped from instead. */
export const PAUSE_MAX_MS = 500;
/** Bytes queued on a route's stream past its high-water mark before packets are dropped (a device that cannot pause). */
export const MAX_QUEUED_BYTES = 2 * 1024 * 1024;
