/** Pub/sub wire constants and the defaults of PubSubInit. See conformance/spec/realm.md. */

export const PUBSUB_PROTOCOL = '/valhalla/pubsub/1'; // protocol id of pub/sub streams
export const MESSAGE_VERSION = 1; // first byte of a signed message
export const SIGN_CONTEXT = 'valhalla/pubsub/1 message'; // prefixed to what an author signs
export const TOPIC_KEY_CONTEXT = 'valhalla/pubsub/1 topic:'; // DHT provider key = SHA-256(this || topic)
export const PUBLIC_KEY_SIZE = 32; // bytes: the author's Ed25519 key
export const SIGNATURE_SIZE = 64; // bytes: Ed25519
export const SEQNO_SIZE = 8; // bytes: u64 sequence number
export const MESSAGE_ID_SIZE = 16; // bytes: first 16 bytes of SHA-256 of the whole signed message
export const MAX_TOPIC_BYTES = 256; // bytes of UTF-8 in a topic name
export const MAX_DATA_BYTES = 65_536; // bytes of payload in one message
export const MAX_FRAME_BYTES = 262_144; // bytes: the largest frame a peer may send
export const MAX_IDS_PER_FRAME = 512; // message ids in one IHAVE or IWANT
export const MAX_SUBS_PER_FRAME = 128; // topic changes in one SUB frame
export const MAX_PEER_TOPICS = 256; // topics we remember for one peer

/** Frame types: the first byte of every frame body. */
export const FrameType = {
  SUB: 0x01,
  MSG: 0x02,
  GRAFT: 0x03,
  PRUNE: 0x04,
  IHAVE: 0x05,
  IWANT: 0x06,
} as const;

export const DEFAULTS = {
  /**
   * Target mesh degree per topic, and the bounds that trigger grafting and pruning (gossipsub's
   * D/D_lo/D_hi). Every mesh peer forwards every message, so a node receives about (its mesh
   * degree - 1) duplicates of each: these are lower than gossipsub's 6/4/12, and the IHAVE gossip
   * to D_lazy other peers repairs what a thinner mesh misses.
   */
  d: 3,
  dLo: 2,
  dHi: 4,
  /** Peers outside the mesh that receive IHAVE gossip each heartbeat. */
  dLazy: 6,
  heartbeatMs: 1_000,
  /** Heartbeats of message ids advertised in IHAVE, and kept to answer IWANT. */
  gossipWindows: 3,
  historyWindows: 5,
  seenTtlMs: 120_000,
  /** A pruned peer is not grafted again for this long. */
  pruneBackoffMs: 10_000,
  /** Look the topic's providers up again when fewer than dLo peers are known, at most this often. */
  discoveryIntervalMs: 10_000,
  /** Providers to ask for per discovery. */
  discoveryPeers: 16,
  /** Messages a peer may send us per second, and the burst (token bucket). */
  peerMsgsPerSecond: 1_000,
  peerMsgsBurst: 2_000,
  /** Times we answer IWANT for one message id to one peer. */
  iwantRepliesPerId: 3,
  /** Invalid messages or frames after which we close the peer's streams. */
  invalidLimit: 16,
  /** How long a peer cut off for invalid input is refused. */
  banMs: 60_000,
  /** Bytes we queue to one peer beyond the stream's own buffer before dropping gossip and messages. */
  maxQueuedBytes: 4 * 1024 * 1024,
  openTimeoutMs: 10_000,
  /**
   * Pub/sub peers a node keeps at most. Every pub/sub stream pins its Veil session (an idle DHT
   * session is closed, one carrying an application stream is not), so without a bound the nodes
   * everyone discovers first (the earliest providers of a topic) fill their session pools and
   * refuse everyone else. Beyond it, new inbound streams are refused and no more are opened.
   */
  maxPeers: 48,
} as const;
