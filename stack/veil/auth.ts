/**
 * Identity binding (conformance/spec/veil.md §4): what a side signs to prove that the Noise static
 * key it uses belongs to its Ed25519 identity, and how the peer checks it. The Noise handshake
 * authenticates static keys; this turns "the peer holds static key S" into "the peer is NodeID N".
 */

import type { CryptoBackend } from '../crypto/types.js';
import type { Identity } from '../identity/identity.js';
import { NodeId } from '../identity/node-id.js';
import { PROTOCOL_DEFAULT_REKEY_AFTER_MESSAGES } from './constants.js';
import { PeerAuthenticationError } from './errors.js';
import { decodePayload, encodePayload, staticKeyBindingMessage } from './payload.js';

/** What the handshake proved about the peer. */
export interface AuthenticatedPeer {
  nodeId: NodeId;
  /** The peer's Ed25519 public key. */
  identityKey: Uint8Array;
  /** The peer's Noise static public key (X25519). */
  staticKey: Uint8Array;
  listenAddrs: string[];
  /** How many messages the peer sends per key: the rekey interval of our receive direction. */
  rekeyAfterMessages: number;
}

export interface LocalPayloadOptions {
  listenAddrs: string[];
  rekeyAfterMessages: number;
}

/**
 * The encoded payload this side sends. The signature covers only the static key, which lives as
 * long as the Veil instance, so a Veil computes this once rather than signing per handshake.
 */
export function buildLocalPayload(
  identity: Identity,
  noiseStaticKey: Uint8Array,
  opts: LocalPayloadOptions,
): Uint8Array {
  return encodePayload({
    identityKey: identity.publicKey,
    signature: identity.sign(staticKeyBindingMessage(noiseStaticKey)),
    listenAddrs: opts.listenAddrs,
    rekeyAfterMessages: opts.rekeyAfterMessages,
  });
}

/**
 * Decode the peer's payload and check that its identity key signed remoteStaticKey, the static key
 * the Noise handshake authenticated. Throws HandshakePayloadError or PeerAuthenticationError.
 */
export function authenticatePeer(
  crypto: CryptoBackend,
  payloadBytes: Uint8Array,
  remoteStaticKey: Uint8Array,
): AuthenticatedPeer {
  const payload = decodePayload(payloadBytes);
  const message = staticKeyBindingMessage(remoteStaticKey);
  if (!crypto.ed25519Verify(payload.identityKey, message, payload.signature)) {
    throw new PeerAuthenticationError(
      'the identity signature does not cover the Noise static key the peer used',
    );
  }
  return {
    nodeId: NodeId.fromPublicKey(payload.identityKey, crypto),
    identityKey: payload.identityKey,
    staticKey: remoteStaticKey,
    listenAddrs: payload.listenAddrs,
    rekeyAfterMessages: payload.rekeyAfterMessages ?? PROTOCOL_DEFAULT_REKEY_AFTER_MESSAGES,
  };
}
