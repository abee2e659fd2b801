/**
 * The conformance vectors of conformance/vectors/rune.json, built from fixed seeds and fixed
 * times. Ed25519 signatures are deterministic and the encoding is canonical, so the file is
 * reproducible byte for byte. Invalid cases that the library refuses to make (widened links,
 * broken chains, bad signatures, non-canonical bytes) are made here by signing or editing the
 * encoded values directly.
 */
import type { CryptoBackend } from '../../crypto/types.js';
import { bytesToHex } from '../../identity/hex.js';
import { type Identity, identityFromSeed } from '../../identity/identity.js';
import { NodeId } from '../../identity/node-id.js';
import { type CborValue, decodeCanonical, encodeCanonical, toText } from '../codec.js';
import { DOMAIN_LINK, TOKEN_TEXT_PREFIX } from '../constants.js';
import { type Link, type LinkPayload, payloadValue } from '../link.js';
import { RevocationSet, revocationToText, revokeLink } from '../revocation.js';
import { signedMessage } from '../signing.js';
import { delegateToken, issueToken, type Token } from '../token.js';
import type { AuthorizeRequest } from '../verify.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export const T0_MS = 1_800_000_000_000; // 2027-01-15T08:00:00.000Z: every vector's times are offsets from it
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export interface VectorRequest {
  invoker: string;
  resource: string;
  ability: string;
  nowMs: number;
  trust: string[];
  revocations: string[];
  context: Record<string, string>;
}

export interface TokenVector {
  name: string;
  description: string;
  token: string;
  request: VectorRequest;
  /** "valid", or the refusal code authorize() must throw. */
  expect: string;
  /** For valid vectors: what the verified capability says. */
  capability?: { rootIssuer: string; holder: string; resources: string[]; abilities: string[] };
}

/** The authorize() request a vector describes. */
export function vectorRequest(v: TokenVector, crypto: CryptoBackend): AuthorizeRequest {
  const r = v.request;
  return {
    token: v.token,
    invoker: NodeId.parse(r.invoker),
    resource: r.resource,
    ability: r.ability,
    nowMs: r.nowMs,
    trust: r.trust.map((t) => NodeId.parse(t)),
    revocations: RevocationSet.parse(r.revocations.join('\n'), crypto),
    context: r.context,
    crypto,
  };
}

/** bytes with the first occurrence of `find` replaced by `by`. */
function replaceBytes(bytes: Uint8Array, find: number[], by: number[]): Uint8Array {
  for (let i = 0; i + find.length <= bytes.length; i++) {
    if (find.every((b, j) => bytes[i + j] === b)) {
      return Uint8Array.from([...bytes.subarray(0, i), ...by, ...bytes.subarray(i + find.length)]);
    }
  }
  throw new Error('replaceBytes: pattern not found');
}

function seed(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

/** A link signed over whatever payload is given: the way to make tokens the library refuses. */
function rawLink(issuer: Identity, payload: Omit<LinkPayload, 'issuerKey'>): CborValue {
  const p = payloadValue({ ...payload, issuerKey: issuer.publicKey });
  return { p, s: issuer.sign(signedMessage(DOMAIN_LINK, encodeCanonical(p))) };
}

function tokenText(links: CborValue[]): string {
  return toText(TOKEN_TEXT_PREFIX, encodeCanonical(links));
}

function linkValues(t: Token): CborValue[] {
  return t.links.map((l) => decodeCanonical(l.bytes, 'link') as CborValue);
}

function grantOf(l: Link): Omit<LinkPayload, 'issuerKey'> {
  return {
    audience: l.audience,
    resources: l.resources,
    abilities: l.abilities,
    caveats: l.caveats,
    notBeforeMs: l.notBeforeMs,
    expiresMs: l.expiresMs,
    parent: l.parent,
    nonce: l.nonce,
  };
}

export function buildVectors(crypto: CryptoBackend): Json {
  const service = identityFromSeed(seed(0x51), crypto); // the authority: serves saga:content/*
  const alice = identityFromSeed(seed(0xa1), crypto);
  const bob = identityFromSeed(seed(0xb0), crypto);
  const carol = identityFromSeed(seed(0xc0), crypto);
  const mallory = identityFromSeed(seed(0xee), crypto);
  const id = (i: Identity) => i.nodeId.toString();
  const nonce = (n: number) => new Uint8Array(16).fill(n);

  const root = issueToken(
    service,
    {
      audience: alice.nodeId,
      resources: ['saga:content/*'],
      abilities: ['saga/fetch', 'saga/publish'],
      caveats: { network: 'valhalla-test' },
      notBeforeMs: T0_MS,
      expiresMs: T0_MS + 24 * HOUR_MS,
      nonce: nonce(1),
    },
    crypto,
  );
  const toBob = delegateToken(
    root,
    alice,
    {
      audience: bob.nodeId,
      resources: ['saga:content/photos/*'],
      abilities: ['saga/fetch'],
      caveats: { 'max-bytes': '1048576' },
      expiresMs: T0_MS + 2 * HOUR_MS,
      nonce: nonce(2),
    },
    crypto,
  );
  const toCarol = delegateToken(toBob, bob, { audience: carol.nodeId, nonce: nonce(3) }, crypto);
  const rpc = issueToken(
    service,
    {
      audience: bob.nodeId,
      resources: ['realm:rpc/*'],
      abilities: ['rpc/*'],
      notBeforeMs: T0_MS + HOUR_MS,
      expiresMs: T0_MS + 3 * HOUR_MS,
      nonce: nonce(4),
    },
    crypto,
  );

  const ctx = { network: 'valhalla-test', 'max-bytes': '1048576' };
  const base = (over: Partial<VectorRequest>): VectorRequest => ({
    invoker: id(bob),
    resource: 'saga:content/photos/cat.jpg',
    ability: 'saga/fetch',
    nowMs: T0_MS + 30 * MINUTE_MS,
    trust: [id(service)],
    revocations: [],
    context: ctx,
    ...over,
  });
  const vectors: TokenVector[] = [];
  const add = (v: TokenVector) => vectors.push(v);
  const cap = (t: Token) => ({
    rootIssuer: id(service),
    holder: t.holder.toString(),
    resources: [...t.leaf.resources],
    abilities: [...t.leaf.abilities],
  });

  // ---- valid ----
  add({
    name: 'root-only',
    description: 'a root token used by its audience within its window',
    token: root.toText(),
    request: base({
      invoker: id(alice),
      resource: 'saga:content/abc',
      ability: 'saga/publish',
      context: { network: 'valhalla-test' },
    }),
    expect: 'valid',
    capability: cap(root),
  });
  add({
    name: 'delegated-once',
    description:
      'service -> alice -> bob, narrowed to photos, fetch only, with an added caveat and a shorter window',
    token: toBob.toText(),
    request: base({}),
    expect: 'valid',
    capability: cap(toBob),
  });
  add({
    name: 'delegated-twice',
    description: 'service -> alice -> bob -> carol, the last link inheriting everything unchanged',
    token: toCarol.toText(),
    request: base({ invoker: id(carol) }),
    expect: 'valid',
    capability: cap(toCarol),
  });
  add({
    name: 'at-not-before',
    description: 'the window is [nbf, exp): the not-before instant itself is valid',
    token: rpc.toText(),
    request: base({ resource: 'realm:rpc/echo', ability: 'rpc/call', nowMs: T0_MS + HOUR_MS, context: {} }),
    expect: 'valid',
    capability: cap(rpc),
  });
  const strangerRevokes = revokeLink(mallory, toBob.leaf.id, T0_MS, crypto);
  const holderRevokes = revokeLink(bob, toBob.leaf.id, T0_MS, crypto);
  const otherRevoked = revokeLink(service, rpc.root.id, T0_MS, crypto);
  add({
    name: 'revocations-that-do-not-apply',
    description:
      'records by a stranger and by the holder (neither issued the link or one above it) and a record against another token are ignored',
    token: toBob.toText(),
    request: base({ revocations: [strangerRevokes, holderRevokes, otherRevoked].map(revocationToText) }),
    expect: 'valid',
    capability: cap(toBob),
  });

  // ---- time ----
  add({
    name: 'expired',
    description: 'now is the expiry instant of link 1 (the window excludes it)',
    token: toBob.toText(),
    request: base({ nowMs: toBob.leaf.expiresMs }),
    expect: 'expired',
  });
  add({
    name: 'expired-root',
    description: 'the root expired; the leaf inherits it',
    token: toCarol.toText(),
    request: base({ invoker: id(carol), nowMs: T0_MS + 25 * HOUR_MS }),
    expect: 'expired',
  });
  add({
    name: 'not-yet-valid',
    description: 'one millisecond before not-before',
    token: rpc.toText(),
    request: base({
      resource: 'realm:rpc/echo',
      ability: 'rpc/call',
      nowMs: T0_MS + HOUR_MS - 1,
      context: {},
    }),
    expect: 'not-yet-valid',
  });

  // ---- widened: link 1 signed by alice (the right issuer) but granting more than link 0 ----
  const widen = (name: string, what: string, over: Partial<Omit<LinkPayload, 'issuerKey'>>) => {
    const link1 = rawLink(alice, { ...grantOf(toBob.leaf), ...over });
    add({
      name: `widened-${name}`,
      description: `link 1 ${what}`,
      token: tokenText([linkValues(root)[0], link1]),
      request: base({}),
      expect: 'widened',
    });
  };
  widen('resource', 'grants saga:* where its parent granted saga:content/*', { resources: ['saga:*'] });
  widen('ability', 'adds saga/delete, which its parent did not grant', {
    abilities: ['saga/delete', 'saga/fetch'],
  });
  widen('caveat-dropped', "drops its parent's network caveat", { caveats: { 'max-bytes': '1048576' } });
  widen('caveat-changed', "changes its parent's network caveat", {
    caveats: { 'max-bytes': '1048576', network: 'production' },
  });
  widen('expiry', 'expires an hour after its parent', { expiresMs: root.leaf.expiresMs + HOUR_MS });
  widen('not-before', 'starts a minute before its parent', { notBeforeMs: T0_MS - MINUTE_MS });

  // ---- broken chain ----
  add({
    name: 'broken-chain-issuer',
    description: "link 1 names link 0 as parent but is signed by carol, who is not link 0's audience",
    token: tokenText([linkValues(root)[0], rawLink(carol, grantOf(toBob.leaf))]),
    request: base({}),
    expect: 'broken-chain',
  });
  const otherRoot = issueToken(
    service,
    { ...grantOf(root.root), caveats: { network: 'valhalla-test' }, nonce: nonce(9) },
    crypto,
  );
  add({
    name: 'broken-chain-parent',
    description:
      "link 1 is spliced under a root with the same grant but a different id (its prf doesn't match)",
    token: tokenText([linkValues(otherRoot)[0], linkValues(toBob)[1]]),
    request: base({}),
    expect: 'broken-chain',
  });
  add({
    name: 'broken-chain-missing-parent',
    description: 'the token carries only the delegated link, not the parent it names',
    token: tokenText([linkValues(toBob)[1]]),
    request: base({ trust: [id(alice)] }),
    expect: 'broken-chain',
  });
  add({
    name: 'broken-chain-reordered',
    description: 'the two links in the wrong order',
    token: tokenText([linkValues(toBob)[1], linkValues(toBob)[0]]),
    request: base({ trust: [id(alice)] }),
    expect: 'broken-chain',
  });

  // ---- audience, trust, grant, caveats ----
  add({
    name: 'wrong-audience',
    description: 'carol presents the token granted to bob',
    token: toBob.toText(),
    request: base({ invoker: id(carol) }),
    expect: 'wrong-audience',
  });
  add({
    name: 'self-issued',
    description: 'mallory issues herself a token; this boundary trusts only the service',
    token: issueToken(
      mallory,
      { ...grantOf(root.root), audience: mallory.nodeId, caveats: {}, nonce: nonce(5) },
      crypto,
    ).toText(),
    request: base({ invoker: id(mallory), resource: 'saga:content/x', ability: 'saga/publish' }),
    expect: 'untrusted-issuer',
  });
  add({
    name: 'not-granted-resource',
    description: 'a resource outside saga:content/photos/*',
    token: toBob.toText(),
    request: base({ resource: 'saga:content/docs/a.txt' }),
    expect: 'not-granted',
  });
  add({
    name: 'not-granted-ability',
    description: 'publish where only fetch was delegated',
    token: toBob.toText(),
    request: base({ ability: 'saga/publish' }),
    expect: 'not-granted',
  });
  add({
    name: 'caveat-unmet',
    description: 'the request context does not satisfy max-bytes=1048576',
    token: toBob.toText(),
    request: base({ context: { network: 'valhalla-test', 'max-bytes': '2097152' } }),
    expect: 'caveat-unmet',
  });

  // ---- bad signature ----
  const root0 = linkValues(root)[0] as { p: CborValue; s: Uint8Array };
  const flipped = Uint8Array.from(root0.s);
  flipped[10] ^= 0x01;
  add({
    name: 'bad-signature-flipped',
    description: 'one bit of the root signature flipped',
    token: tokenText([{ p: root0.p, s: flipped }, linkValues(toBob)[1]]),
    request: base({}),
    expect: 'bad-signature',
  });
  const bob1 = linkValues(toBob)[1] as { p: Record<string, CborValue>; s: Uint8Array };
  add({
    name: 'bad-signature-edited',
    description: 'link 1 edited after signing (abilities widened back to publish) without a new signature',
    token: tokenText([root0, { p: { ...bob1.p, abl: ['saga/fetch', 'saga/publish'] }, s: bob1.s }]),
    request: base({ ability: 'saga/publish' }),
    expect: 'bad-signature',
  });
  add({
    name: 'bad-signature-other-key',
    description: "link 0 claims the service's key but was signed by mallory",
    token: tokenText([{ p: root0.p, s: (rawLink(mallory, grantOf(root.root)) as { s: Uint8Array }).s }]),
    request: base({
      invoker: id(alice),
      resource: 'saga:content/abc',
      context: { network: 'valhalla-test' },
    }),
    expect: 'bad-signature',
  });

  // ---- revoked ----
  add({
    name: 'revoked-by-root-issuer',
    description: 'the service revokes link 1 (it issued the link above it)',
    token: toCarol.toText(),
    request: base({
      invoker: id(carol),
      revocations: [revocationToText(revokeLink(service, toBob.leaf.id, T0_MS, crypto))],
    }),
    expect: 'revoked',
  });
  add({
    name: 'revoked-by-link-issuer',
    description: 'alice revokes link 1, which she issued; carol, below it, loses access too',
    token: toCarol.toText(),
    request: base({
      invoker: id(carol),
      revocations: [revocationToText(revokeLink(alice, toBob.leaf.id, T0_MS, crypto))],
    }),
    expect: 'revoked',
  });
  add({
    name: 'revoked-root',
    description: 'the service revokes its root link',
    token: toBob.toText(),
    request: base({ revocations: [revocationToText(revokeLink(service, root.root.id, T0_MS, crypto))] }),
    expect: 'revoked',
  });

  // ---- malformed ----
  const bytes = toBob.bytes;
  const hexOf = (b: Uint8Array) => bytesToHex(b);
  const nonMinimal = replaceBytes(bytes, [0x61, 0x76, 0x01], [0x61, 0x76, 0x18, 0x01]); // "v": 1, 2-byte form
  add({
    name: 'malformed-non-minimal-integer',
    description: 'the version integer encoded in two bytes instead of one',
    token: toText(TOKEN_TEXT_PREFIX, nonMinimal),
    request: base({}),
    expect: 'malformed',
  });
  add({
    name: 'malformed-trailing-byte',
    description: 'a zero byte after the token',
    token: toText(TOKEN_TEXT_PREFIX, Uint8Array.from([...bytes, 0])),
    request: base({}),
    expect: 'malformed',
  });
  add({
    name: 'malformed-truncated',
    description: 'the last byte missing',
    token: toText(TOKEN_TEXT_PREFIX, bytes.subarray(0, bytes.length - 1)),
    request: base({}),
    expect: 'malformed',
  });
  add({
    name: 'malformed-unknown-field',
    description: 'an extra "xyz" field in the root payload',
    token: tokenText([{ p: { ...(root0.p as Record<string, CborValue>), xyz: 1 }, s: root0.s }]),
    request: base({ invoker: id(alice) }),
    expect: 'malformed',
  });
  add({
    name: 'malformed-version',
    description: 'payload version 2',
    token: tokenText([{ p: { ...(root0.p as Record<string, CborValue>), v: 2 }, s: root0.s }]),
    request: base({ invoker: id(alice) }),
    expect: 'malformed',
  });
  add({
    name: 'malformed-unsorted-abilities',
    description: 'abilities not in sorted order (each list has one spelling)',
    token: tokenText([
      rawLink(service, { ...grantOf(root.root), abilities: ['saga/publish', 'saga/fetch'] }),
    ]),
    request: base({ invoker: id(alice) }),
    expect: 'malformed',
  });
  // {"s": ..., "p": ...}: the right keys, the wrong order (DAG-CBOR sorts "p" before "s")
  const sig = encodeCanonical(root0.s);
  const payload = encodeCanonical(root0.p);
  add({
    name: 'malformed-key-order',
    description: 'the root link map with "s" before "p": the same value, not its canonical encoding',
    token: toText(
      TOKEN_TEXT_PREFIX,
      Uint8Array.from([0x81, 0xa2, 0x61, 0x73, ...sig, 0x61, 0x70, ...payload]),
    ),
    request: base({ invoker: id(alice) }),
    expect: 'malformed',
  });
  add({
    name: 'malformed-empty-chain',
    description: 'a list of no links',
    token: tokenText([]),
    request: base({}),
    expect: 'malformed',
  });
  add({
    name: 'malformed-prefix',
    description: 'the text form without its "rune-token-1:" prefix',
    token: toBob.toText().slice(TOKEN_TEXT_PREFIX.length),
    request: base({}),
    expect: 'malformed',
  });
  add({
    name: 'malformed-base64',
    description: 'padding characters are not part of unpadded base64url',
    token: `${toBob.toText()}==`,
    request: base({}),
    expect: 'malformed',
  });
  return {
    description:
      'Valhalla Rune capability tokens (conformance/spec/rune.md). Each vector: pass "token" and "request" to authorize() (times in ms since the Unix epoch, NodeIDs as hex, revocations in text form). "expect" is "valid" or the code of the refusal that must be thrown. Generated by stack/rune/testing/vectors.ts from fixed seeds.',
    version: 1,
    identities: Object.fromEntries(
      Object.entries({ service, alice, bob, carol, mallory }).map(([k, i]) => [
        k,
        { seed: hexOf(i.seed), publicKey: hexOf(i.publicKey), nodeId: id(i) },
      ]),
    ),
    vectors: vectors as unknown as Json,
  };
}
