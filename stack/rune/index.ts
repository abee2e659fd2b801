/**
 * stack/rune: authority that needs no server. Capability tokens (an issuer grants an audience
 * abilities on resources, under caveats, for a time window), delegation chains in which each link
 * can only narrow what it received, revocation records, and attestations (a signed statement by
 * one node about another). Everything is DAG-CBOR in its canonical form, signed with Ed25519 by
 * node identities; the normative description is conformance/spec/rune.md.
 *
 * The boundary check other layers call (Saga publishing, Realm RPC):
 *
 *   const cap = authorize({
 *     token,                      // Token, its canonical bytes, or its "rune-token-1:..." text
 *     invoker: session.remoteId,  // who presents it, as the transport authenticated it
 *     resource: 'saga:content/...', ability: 'saga/publish',
 *     nowMs: runtime.clock.wallNow(),
 *     trust: [self.nodeId],       // root issuers this boundary accepts
 *     revocations,                // a RevocationSet (optional)
 *     context: { ... },           // answers caveats k=v (optional; unknown caveats fail closed)
 *   });
 *
 * It returns the VerifiedCapability or throws a subclass of TokenRefusedError whose `code`
 * ('malformed', 'bad-signature', 'broken-chain', 'untrusted-issuer', 'widened', 'not-yet-valid',
 * 'expired', 'revoked', 'wrong-audience', 'not-granted', 'caveat-unmet') is what to answer with.
 *
 * This layer is pure: it never reads a clock (the time is always passed in), never draws
 * randomness (nonces come from the caller) and never touches files or the network.
 */

export * from './attestation.js';
export { decodeCanonical, encodeCanonical } from './codec.js';
export * from './constants.js';
export * from './errors.js';
export type { Link, LinkPayload } from './link.js';
export { checkNarrows } from './narrow.js';
export { coveredBy, covers, patternProblem } from './pattern.js';
export * from './revocation.js';
export * from './token.js';
export * from './verify.js';
