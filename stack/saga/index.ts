/**
 * stack/saga: content addressing. Data is named by what it is (a CIDv1 with a SHA-256 multihash
 * that IPFS/IPLD tools read), so it verifies itself wherever it came from. Large content is cut
 * into chunks listed by a content-addressed manifest; signed envelopes bind an author to a CID at
 * a time the caller supplies; each node keeps a size-limited store; publishing announces provider
 * records in the Yggdrasil DHT and retrieval fetches chunks from several providers over Veil
 * streams (protocol "/valhalla/saga/1", conformance/spec/saga.md).
 *
 * It must never keep or return a byte that did not hash to the CID it was asked for, never let a
 * peer's bytes throw out of a handler, never buffer more than one frame from a peer, and never
 * take time, randomness or I/O from anything but its Runtime and the ports handed in.
 */

export { CID, checkCid, cidOf, contentKey, parseCid, verifyBlock } from './cid.js';
export * from './constants.js';
export { createEnvelope, type Envelope, type Metadata, openEnvelope } from './envelope.js';
export * from './errors.js';
export { LyingStore, StallingStore } from './faulty-stores.js';
export type { FetchStats } from './fetch.js';
export {
  type Block,
  type Chunked,
  type ChunkRef,
  chunkContent,
  decodeManifest,
  encodeManifest,
  type Manifest,
} from './manifest.js';
export { sagaOnNode } from './on-node.js';
export type { SagaPeerInfo, SagaProvider, SagaRouting, SagaStreams } from './ports.js';
export {
  CONTENT_RESOURCE_PREFIX,
  PUBLISH_ABILITY,
  type PublishAuthorizer,
  type PublishPolicy,
  publishAuthorizer,
} from './publish-policy.js';
export {
  type FetchFailure,
  type FetchResult,
  type PublishResult,
  Saga,
  type SagaComponents,
  type SagaInit,
} from './saga.js';
export { type BlockStore, checkLimit, MemoryBlockStore, newBytes, storeFull } from './store.js';
export * from './wire.js';
