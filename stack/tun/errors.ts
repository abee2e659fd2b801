/** Named errors of the TUN layer. Tests check the class, not the message text. */

export class TunError extends Error {
  override name = 'TunError';
}
/** Bytes on a TUN stream or relay stream that break its format (spec: conformance/spec/tun.md). */
export class TunFrameError extends TunError {
  override name = 'TunFrameError';
}
/** A packet that is not a well-formed IPv6 packet (too short, wrong version, bad length). */
export class Ipv6PacketError extends TunError {
  override name = 'Ipv6PacketError';
}
/** No node owns the address, or no path to it was found in time. */
export class NoRouteError extends TunError {
  override name = 'NoRouteError';
}
