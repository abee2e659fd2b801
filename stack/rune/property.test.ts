/**
 * Properties: delegation never widens (checked against an independent definition of what a
 * pattern matches, over a small universe of strings), and no single-byte change to a token, in
 * its bytes or in its text, is ever accepted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Identity, identityFromSeed } from '../identity/identity.js';
import { decodeCanonical, encodeCanonical } from './codec.js';
import { DOMAIN_LINK } from './constants.js';
import { TokenRefusedError, WidenedError } from './errors.js';
import { type LinkPayload, payloadValue } from './link.js';
import { signedMessage } from './signing.js';
import { delegateToken, issueToken, Token } from './token.js';
import { verifyToken } from './verify.js';

const ids = [1, 2, 3].map((b) => identityFromSeed(new Uint8Array(32).fill(b)));
const [root, mid, leaf] = ids;
const T = 1_800_000_000_000;

// Patterns over {a, b, /}, up to 3 characters and an optional trailing '*'.
const ALPHABET = ['a', 'b', '/'];
const patternArb = fc
  .tuple(fc.array(fc.constantFrom(...ALPHABET), { minLength: 0, maxLength: 3 }), fc.boolean())
  .map(([cs, star]) => cs.join('') + (star || cs.length === 0 ? '*' : ''));
const patternsArb = fc.uniqueArray(patternArb, { minLength: 1, maxLength: 4 });
const caveatsArb = fc.dictionary(fc.constantFrom('k1', 'k2', 'k3'), fc.constantFrom('x', 'y'), {
  maxKeys: 3,
});
const windowArb = fc
  .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 }))
  .map(([start, len]) => ({ notBeforeMs: T + start, expiresMs: T + start + len }));

/** Every string of up to 4 characters over the alphabet: the universe matches are judged in. */
const UNIVERSE: string[] = (() => {
  const out = [''];
  let layer = [''];
  for (let n = 0; n < 4; n++) {
    layer = layer.flatMap((s) => ALPHABET.map((c) => s + c));
    out.push(...layer);
  }
  return out;
})();

/** What a pattern matches, defined independently of pattern.ts. */
function matches(pattern: string, s: string): boolean {
  return pattern.endsWith('*') ? s.startsWith(pattern.slice(0, -1)) : pattern === s;
}
const anyMatch = (ps: readonly string[], s: string) => ps.some((p) => matches(p, s));

interface Grant {
  resources: string[];
  abilities: string[];
  caveats: Record<string, string>;
  notBeforeMs: number;
  expiresMs: number;
}
const grantArb: fc.Arbitrary<Grant> = fc
  .record({ resources: patternsArb, abilities: patternsArb, caveats: caveatsArb, window: windowArb })
  .map(({ window, ...g }) => ({ ...g, ...window }));

/**
 * A child grant drawn near its parent, so that about half are narrowings and half widen in one
 * or more ways: patterns kept, extended (a longer prefix) or replaced by random ones; caveats
 * kept, added to, dropped or changed; the window shrunk or stretched at either end.
 */
function childArb(pg: Grant): fc.Arbitrary<Grant> {
  const derived = (ps: string[]) =>
    fc
      .array(
        fc.tuple(
          fc.nat(),
          fc.constantFrom('keep', 'extend', 'random', 'keep', 'extend'),
          fc.constantFrom(...ALPHABET),
          patternArb,
        ),
        { minLength: 1, maxLength: 3 },
      )
      .map((picks) =>
        picks.map(([i, how, c, random]) => {
          const p = ps[i % ps.length];
          if (how === 'random') return random;
          if (how === 'extend' && p.endsWith('*')) return `${p.slice(0, -1)}${c}*`;
          return p;
        }),
      );
  const caveats = fc
    .tuple(caveatsArb, fc.constantFrom('keep', 'keep', 'drop', 'change'))
    .map(([added, how]) => {
      const out = { ...added, ...pg.caveats };
      const first = Object.keys(pg.caveats)[0];
      if (first !== undefined && how === 'drop') delete out[first];
      if (first !== undefined && how === 'change') out[first] = `${out[first]}!`;
      return out;
    });
  const edge = fc.integer({ min: -20, max: 200 });
  return fc
    .record({ resources: derived(pg.resources), abilities: derived(pg.abilities), caveats, a: edge, b: edge })
    .map(({ a, b, ...g }) => {
      const notBeforeMs = pg.notBeforeMs + a;
      return { ...g, notBeforeMs, expiresMs: Math.max(notBeforeMs + 1, pg.expiresMs - b) };
    });
}
const pairArb = grantArb.chain((pg) => childArb(pg).map((cg) => [pg, cg] as const));

function rawChild(issuer: Identity, parent: Token, g: Grant): Token {
  const payload: LinkPayload = {
    ...g,
    resources: [...new Set(g.resources)].sort(),
    abilities: [...new Set(g.abilities)].sort(),
    issuerKey: issuer.publicKey,
    audience: leaf.nodeId,
    parent: parent.leaf.id,
    nonce: new Uint8Array(0),
  };
  const p = payloadValue(payload);
  const link = { p, s: issuer.sign(signedMessage(DOMAIN_LINK, encodeCanonical(p))) };
  const links = parent.links.map((l) => decodeCanonical(l.bytes, 'link'));
  return Token.decode(encodeCanonical([...(links as never[]), link]));
}

/** The child grants nothing the parent does not, judged over the universe. */
function semanticallyWithin(child: Grant, parent: Grant): boolean {
  for (const s of UNIVERSE) {
    if (anyMatch(child.resources, s) && !anyMatch(parent.resources, s)) return false;
    if (anyMatch(child.abilities, s) && !anyMatch(parent.abilities, s)) return false;
  }
  for (const [k, v] of Object.entries(parent.caveats)) if (child.caveats[k] !== v) return false;
  return child.notBeforeMs >= parent.notBeforeMs && child.expiresMs <= parent.expiresMs;
}

describe('delegation never widens', () => {
  it('a verified child link grants only what its parent granted (any signed child link)', () => {
    let acceptedRuns = 0;
    fc.assert(
      fc.property(pairArb, ([pg, cg]) => {
        const parent = issueToken(root, { ...pg, audience: mid.nodeId });
        const child = rawChild(mid, parent, cg);
        let accepted = true;
        try {
          verifyToken(child, { nowMs: cg.notBeforeMs });
        } catch (err) {
          if (!(err instanceof TokenRefusedError)) throw err;
          accepted = false;
        }
        if (accepted) {
          acceptedRuns++;
          expect(semanticallyWithin(cg, pg)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    expect(acceptedRuns, 'the property held vacuously: no child link was accepted').toBeGreaterThan(20);
  });

  it('delegateToken either refuses with WidenedError or makes a token that verifies and is within', () => {
    let made = 0;
    fc.assert(
      fc.property(pairArb, ([pg, cg]) => {
        const parent = issueToken(root, { ...pg, audience: mid.nodeId });
        let child: Token;
        try {
          child = delegateToken(parent, mid, { ...cg, audience: leaf.nodeId });
        } catch (err) {
          expect(err).toBeInstanceOf(WidenedError);
          return;
        }
        made++;
        const cap = verifyToken(child, { nowMs: child.leaf.notBeforeMs, trust: [root.nodeId] });
        expect(
          semanticallyWithin({ ...cap, resources: [...cap.resources], abilities: [...cap.abilities] }, pg),
        ).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(made, 'delegateToken never succeeded: the property held vacuously').toBeGreaterThan(20);
  });

  it('narrowing by subset, longer prefix, added caveat and shorter window is always accepted', () => {
    fc.assert(
      fc.property(grantArb, fc.constantFrom(...ALPHABET), fc.nat(), (pg, extra, pick) => {
        const parent = issueToken(root, { ...pg, audience: mid.nodeId });
        const r = parent.leaf.resources[pick % parent.leaf.resources.length];
        const narrowed = r.endsWith('*') ? `${r.slice(0, -1)}${extra}*` : r;
        const child = delegateToken(parent, mid, {
          audience: leaf.nodeId,
          resources: [narrowed],
          abilities: [parent.leaf.abilities[0]],
          caveats: { extra: 'yes' },
          notBeforeMs: pg.notBeforeMs + Math.floor((pg.expiresMs - pg.notBeforeMs) / 2),
        });
        expect(verifyToken(child, { nowMs: child.leaf.notBeforeMs }).resources).toEqual([narrowed]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('tampering', () => {
  const base = issueToken(root, {
    audience: mid.nodeId,
    resources: ['saga:*'],
    abilities: ['saga/fetch', 'saga/publish'],
    caveats: { zone: 'eu' },
    notBeforeMs: T,
    expiresMs: T + 3_600_000,
    nonce: new Uint8Array(8).fill(7),
  });
  const token = delegateToken(base, mid, { audience: leaf.nodeId, abilities: ['saga/fetch'] });
  const opts = { nowMs: T + 1, trust: [root.nodeId] };
  verifyToken(token, opts); // the untouched token is valid

  it('any byte changed anywhere in the token is refused with a named error', () => {
    fc.assert(
      fc.property(fc.nat({ max: token.bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, mask) => {
        const bytes = Uint8Array.from(token.bytes);
        bytes[i] ^= mask;
        expect(() => verifyToken(bytes, opts)).toThrow(TokenRefusedError);
      }),
      { numRuns: 500 },
    );
  });

  it('every single-bit flip of every byte is refused (exhaustive)', () => {
    for (let i = 0; i < token.bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bytes = Uint8Array.from(token.bytes);
        bytes[i] ^= 1 << bit;
        let refused = false;
        try {
          verifyToken(bytes, opts);
        } catch (err) {
          refused = err instanceof TokenRefusedError;
        }
        if (!refused) throw new Error(`byte ${i} bit ${bit} flipped was not refused`);
      }
    }
  });

  it('any character changed in the text form is refused', () => {
    const text = token.toText();
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/:. ';
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.constantFrom(...chars), (i, c) => {
        fc.pre(text[i] !== c && !(c === ' ' && (i === 0 || i === text.length - 1)));
        const changed = text.slice(0, i) + c + text.slice(i + 1);
        expect(() => verifyToken(changed, opts)).toThrow(TokenRefusedError);
      }),
      { numRuns: 500 },
    );
  });
});
