import { describe, expect, it } from 'vitest';
import { identityFromSeed } from '../identity/identity.js';
import { attest, attestationToText, parseAttestation, verifyAttestation } from './attestation.js';
import { decodeCanonical, encodeCanonical } from './codec.js';
import { TOKEN_TEXT_PREFIX } from './constants.js';
import {
  BadSignatureError,
  BrokenChainError,
  CaveatUnmetError,
  ExpiredError,
  MalformedTokenError,
  NotYetValidError,
  RevokedError,
  UntrustedIssuerError,
  WidenedError,
  WrongAudienceError,
} from './errors.js';
import { covers } from './pattern.js';
import { RevocationSet, revocationToText, revokeLink } from './revocation.js';
import { delegateToken, issueToken, Token } from './token.js';
import { authorize, verifyToken } from './verify.js';

const seed = (b: number) => new Uint8Array(32).fill(b);
const service = identityFromSeed(seed(1));
const alice = identityFromSeed(seed(2));
const bob = identityFromSeed(seed(3));
const T = 1_800_000_000_000;
const H = 3_600_000;

function rootToAlice() {
  return issueToken(service, {
    audience: alice.nodeId,
    resources: ['saga:*'],
    abilities: ['saga/publish', 'saga/fetch', 'saga/fetch'],
    caveats: { zone: 'eu' },
    notBeforeMs: T,
    expiresMs: T + H,
  });
}

describe('tokens', () => {
  it('issue, delegate and authorize round-trip through the text form', () => {
    const root = rootToAlice();
    expect(root.root.abilities).toEqual(['saga/fetch', 'saga/publish']); // canonical: sorted, unique
    const t = delegateToken(root, alice, { audience: bob.nodeId, abilities: ['saga/fetch'] });
    const text = t.toText();
    expect(text.startsWith(TOKEN_TEXT_PREFIX)).toBe(true);
    const back = Token.parse(`  ${text}\n`);
    expect(back.equals(t)).toBe(true);
    const cap = authorize({
      token: text,
      invoker: bob.nodeId,
      resource: 'saga:content/x',
      ability: 'saga/fetch',
      nowMs: T + 1,
      trust: [service.nodeId],
      context: { zone: 'eu' },
    });
    expect(cap.holder.equals(bob.nodeId)).toBe(true);
    expect(cap.rootIssuer.equals(service.nodeId)).toBe(true);
    expect(cap.caveats).toEqual({ zone: 'eu' });
  });

  it('delegation refuses a delegator that does not hold the parent', () => {
    expect(() => delegateToken(rootToAlice(), bob, { audience: bob.nodeId })).toThrow(BrokenChainError);
  });

  it('delegation refuses every kind of widening and says which', () => {
    const root = rootToAlice();
    const cases = [
      [{ resources: ['realm:*'] }, 'resource'],
      [{ abilities: ['saga/delete'] }, 'ability'],
      [{ caveats: { zone: 'us' } }, 'caveat'],
      [{ notBeforeMs: T - 1 }, 'not-before'],
      [{ expiresMs: T + 2 * H }, 'expiry'],
    ] as const;
    for (const [over, field] of cases) {
      let err: unknown;
      try {
        delegateToken(root, alice, { audience: bob.nodeId, ...over });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WidenedError);
      expect((err as WidenedError).field).toBe(field);
    }
  });

  it('refuses malformed grants with a message naming the field', () => {
    const opts = {
      audience: bob.nodeId,
      resources: ['a'],
      abilities: ['b'],
      notBeforeMs: T,
      expiresMs: T + 1,
    };
    expect(() => issueToken(alice, { ...opts, resources: ['sa*ga'] })).toThrow(/only allowed as the last/);
    expect(() => issueToken(alice, { ...opts, resources: [] })).toThrow(MalformedTokenError);
    expect(() => issueToken(alice, { ...opts, abilities: ['has space'] })).toThrow(/printable ASCII/);
    expect(() => issueToken(alice, { ...opts, caveats: { Bad: 'x' } })).toThrow(/key "Bad"/);
    expect(() => issueToken(alice, { ...opts, expiresMs: T })).toThrow(/never be valid/);
  });

  it('judges time by the instant passed in: [nbf, exp)', () => {
    const t = rootToAlice();
    expect(() => verifyToken(t, { nowMs: T - 1 })).toThrow(NotYetValidError);
    expect(verifyToken(t, { nowMs: T }).holder.equals(alice.nodeId)).toBe(true);
    expect(verifyToken(t, { nowMs: T + H - 1 })).toBeTruthy();
    expect(() => verifyToken(t, { nowMs: T + H })).toThrow(ExpiredError);
  });

  it('authorize: trust, audience and caveats', () => {
    const token = rootToAlice();
    const req = {
      token,
      invoker: alice.nodeId,
      resource: 'saga:x',
      ability: 'saga/publish',
      nowMs: T,
      trust: [service.nodeId],
      context: { zone: 'eu' },
    };
    expect(authorize(req)).toBeTruthy();
    expect(() => authorize({ ...req, trust: [alice.nodeId] })).toThrow(UntrustedIssuerError);
    expect(() => authorize({ ...req, invoker: bob.nodeId })).toThrow(WrongAudienceError);
    expect(() => authorize({ ...req, context: {} })).toThrow(CaveatUnmetError);
    expect(() => authorize({ ...req, context: undefined })).toThrow(CaveatUnmetError);
    expect(
      authorize({ ...req, context: undefined, checkCaveat: (k, v) => k === 'zone' && v === 'eu' }),
    ).toBeTruthy();
  });

  it('text form: wrong prefix, non-base64url and non-zero trailing bits are malformed', () => {
    const text = rootToAlice().toText();
    expect(() => Token.parse(text.replace('rune-token-1:', 'rune-token-2:'))).toThrow(MalformedTokenError);
    expect(() => Token.parse(`${text}+`)).toThrow(/outside base64url/);
    // Base64url of n bytes has spare bits unless n % 3 == 0: find such a token, then set them.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const opts = {
      audience: bob.nodeId,
      resources: ['a'],
      abilities: ['b'],
      notBeforeMs: T,
      expiresMs: T + 1,
    };
    let t = issueToken(alice, opts);
    for (let n = 1; t.bytes.length % 3 === 0; n++)
      t = issueToken(alice, { ...opts, nonce: new Uint8Array(n) });
    const body = t.toText().slice(TOKEN_TEXT_PREFIX.length);
    const bad = body.slice(0, -1) + alphabet[alphabet.indexOf(body[body.length - 1]) | 1];
    expect(() => Token.parse(TOKEN_TEXT_PREFIX + bad)).toThrow(/not canonical base64url/);
  });
});

describe('hostile bytes', () => {
  it('deep nesting, huge lengths, CIDs and oversized inputs are malformed, not crashes', () => {
    const deep = new Uint8Array(60_000).fill(0x81); // [[[[...
    expect(() => Token.decode(deep)).toThrow(MalformedTokenError);
    expect(() =>
      Token.decode(Uint8Array.from([0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
    ).toThrow(MalformedTokenError);
    expect(() => Token.decode(new Uint8Array(70_000))).toThrow(/more than the 65536 allowed/);
    expect(() => Token.parse(`${TOKEN_TEXT_PREFIX}${'A'.repeat(100_000)}`)).toThrow(/longer than any/);
    // a CID (tag 42) where the issuer key belongs
    const root = decodeCanonical(rootToAlice().bytes, 'token') as {
      p: Record<string, unknown>;
      s: Uint8Array;
    }[];
    const cid = decodeCanonical(
      Uint8Array.from([0xd8, 0x2a, 0x58, 0x25, 0x00, 0x01, 0x55, 0x12, 0x20, ...new Uint8Array(32)]),
      'cid',
    );
    const withCid = encodeCanonical([{ p: { ...root[0].p, iss: cid }, s: root[0].s }] as never);
    expect(() => Token.decode(withCid)).toThrow(/iss: expected bytes/);
  });
});

describe('revocation', () => {
  it('a record by an issuer at or above the link revokes it and everything below', () => {
    const root = rootToAlice();
    const t = delegateToken(root, alice, { audience: bob.nodeId });
    const opts = { nowMs: T };
    expect(() =>
      verifyToken(t, { ...opts, revocations: new RevocationSet([revokeLink(alice, t.leaf.id, T)]) }),
    ).toThrow(RevokedError);
    expect(() =>
      verifyToken(t, { ...opts, revocations: new RevocationSet([revokeLink(service, root.root.id, T)]) }),
    ).toThrow(RevokedError);
    // alice cannot revoke the root she merely received; bob cannot revoke what he received
    expect(
      verifyToken(t, { ...opts, revocations: new RevocationSet([revokeLink(alice, root.root.id, T)]) }),
    ).toBeTruthy();
    expect(
      verifyToken(t, { ...opts, revocations: new RevocationSet([revokeLink(bob, t.leaf.id, T)]) }),
    ).toBeTruthy();
  });

  it('a revocation file: comments and blank lines skipped, a bad record named by line', () => {
    const r = revokeLink(service, new Uint8Array(32), T);
    const text = `# revoked\n\n${revocationToText(r)}\n`;
    expect(RevocationSet.parse(text).size).toBe(1);
    const tampered = revocationToText(revokeLink(service, new Uint8Array(32).fill(1), T)).slice(0, -2);
    expect(() => RevocationSet.parse(`# x\n${tampered}\n`)).toThrow(/line 2:/);
    // a record whose signature does not verify never enters the set
    const flippedSig = Uint8Array.from(r.bytes);
    flippedSig[flippedSig.length - 1] ^= 1;
    expect(() =>
      RevocationSet.parse(`rune-revocation-1:${Buffer.from(flippedSig).toString('base64url')}`),
    ).toThrow(BadSignatureError);
  });
});

describe('attestations', () => {
  const a = attest(service, {
    subject: bob.nodeId,
    claims: { role: 'relay' },
    notBeforeMs: T,
    expiresMs: T + H,
  });

  it('verifies by text, checking issuer, subject and window', () => {
    const text = attestationToText(a);
    const back = parseAttestation(text);
    expect(back.claims).toEqual({ role: 'relay' });
    expect(
      verifyAttestation(text, { nowMs: T, issuers: [service.nodeId], subject: bob.nodeId }),
    ).toBeTruthy();
    expect(() => verifyAttestation(text, { nowMs: T, issuers: [alice.nodeId] })).toThrow(
      UntrustedIssuerError,
    );
    expect(() => verifyAttestation(text, { nowMs: T, subject: alice.nodeId })).toThrow(WrongAudienceError);
    expect(() => verifyAttestation(text, { nowMs: T + H })).toThrow(ExpiredError);
    expect(() => verifyAttestation(text, { nowMs: T - 1 })).toThrow(NotYetValidError);
  });

  it('a flipped signature bit is a bad signature; a token is not an attestation', () => {
    const bytes = Uint8Array.from(a.bytes);
    bytes[bytes.length - 5] ^= 0x40;
    expect(() => verifyAttestation(bytes, { nowMs: T })).toThrow(BadSignatureError);
    expect(() => verifyAttestation(rootToAlice().bytes, { nowMs: T })).toThrow(MalformedTokenError);
  });
});

describe('patterns', () => {
  it('covers: exact, trailing wildcard, nothing else', () => {
    expect(covers('saga:content/a', 'saga:content/a')).toBe(true);
    expect(covers('saga:*', 'saga:content/*')).toBe(true);
    expect(covers('saga:*', 'saga:')).toBe(true);
    expect(covers('*', 'anything')).toBe(true);
    expect(covers('saga:content/*', 'saga:*')).toBe(false);
    expect(covers('saga:content/a', 'saga:content/a*')).toBe(false);
    expect(covers('rpc/call', 'rpc/calls')).toBe(false);
  });
});

describe('link ids are Saga-compatible content ids', () => {
  it('a link id is the digest of the CIDv1 dag-cbor sha2-256 of the link bytes', async () => {
    const { CID } = await import('multiformats/cid');
    const { sha256 } = await import('multiformats/hashes/sha2');
    const dagCbor = await import('@ipld/dag-cbor');
    const link = rootToAlice().root;
    const cid = CID.create(1, dagCbor.code, await sha256.digest(link.bytes));
    expect(Buffer.from(cid.multihash.digest).toString('hex')).toBe(Buffer.from(link.id).toString('hex'));
    // and the bytes are a DAG-CBOR block any IPLD decoder reads back to the same bytes
    expect(dagCbor.encode(dagCbor.decode(link.bytes))).toEqual(link.bytes);
  });
});
