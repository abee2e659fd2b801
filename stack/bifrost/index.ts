/**
 * Bifrost: the framing layer. It cuts a reliable byte stream into frames that each carry one Noise
 * message (or, before keys exist, a clear close reason), and rejects anything else with a named
 * FrameError. Spec: conformance/spec/bifrost.md; vectors: conformance/vectors/bifrost.json.
 *
 * Bifrost must never interpret payloads (it does not know Noise), never send a clear CLOSE once
 * transport keys exist, and never answer a bad magic (spec §3.1). Like all of stack/, it gets its
 * world (connections, logging) from the Runtime and touches no clock or socket of its own.
 */

export { allocFrame, decodeCloseReason, encodeClose, encodeFrame, encodeHeader } from './codec.js';
export * from './constants.js';
export { decodeFrames, type Frame, FrameDecoder, type FrameDecoderInit } from './decoder.js';
export * from './errors.js';
export {
  FramedConnection,
  type FramedConnectionComponents,
  type FramedConnectionInit,
  type FramedHandler,
} from './framed-connection.js';
