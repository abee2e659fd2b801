/**
 * A capability token: a chain of links, root first. The root's issuer is the authority over the
 * resources (typically the node that serves them); every later link is issued by the previous
 * link's audience and names it by id, and the last link's audience is the token's holder.
 *
 *   Token = [ Link, ... ]   (DAG-CBOR list of 1..16 links; text: "rune-token-1:" + base64url)
 *
 * A token carries its whole chain, so verification needs nothing but the token, the time, the
 * trusted root issuers and the revocation set (verify.ts).
 */
import { defaultCrypto } from '../crypto/select.js';
import type { CryptoBackend } from '../crypto/types.js';
import type { Identity } from '../identity/identity.js';
import type { NodeId } from '../identity/node-id.js';
import { asArray, bytesEqual, decodeCanonical, encodeCanonical, fromText, toText } from './codec.js';
import { CHAIN_MAX_LINKS, NONCE_MAX_LEN, TIME_MAX_MS, TOKEN_TEXT_PREFIX } from './constants.js';
import { BrokenChainError, MalformedTokenError } from './errors.js';
import { type Link, readLink, signLink } from './link.js';
import { checkNarrows } from './narrow.js';
import { canonicalPatterns, checkCaveats } from './pattern.js';

export class Token {
  /** The canonical bytes: a DAG-CBOR list of the links' maps. */
  readonly bytes: Uint8Array;

  private constructor(
    readonly links: readonly Link[],
    bytes: Uint8Array,
  ) {
    this.bytes = bytes;
  }

  /** The token from its canonical bytes. Structure only; verify with verifyToken()/authorize(). */
  static decode(bytes: Uint8Array, crypto: CryptoBackend = defaultCrypto()): Token {
    const value = decodeCanonical(bytes, 'token');
    const items = asArray(value, 'token', 1, CHAIN_MAX_LINKS);
    const links = items.map((v, i) => readLink(v, `link ${i}`, crypto));
    return new Token(links, Uint8Array.from(bytes));
  }

  /** The token from its text form ("rune-token-1:..."); surrounding whitespace is ignored. */
  static parse(text: string, crypto: CryptoBackend = defaultCrypto()): Token {
    return Token.decode(fromText(TOKEN_TEXT_PREFIX, text, 'token'), crypto);
  }

  static fromLinks(links: readonly Link[], crypto: CryptoBackend = defaultCrypto()): Token {
    if (links.length < 1 || links.length > CHAIN_MAX_LINKS) {
      throw new MalformedTokenError(`token: expected 1..${CHAIN_MAX_LINKS} links, got ${links.length}`);
    }
    // Re-decoding keeps one path for every token, however it was built.
    const bytes = encodeCanonical(links.map((l) => decodeCanonical(l.bytes, 'link') as never));
    return Token.decode(bytes, crypto);
  }

  get root(): Link {
    return this.links[0];
  }

  get leaf(): Link {
    return this.links[this.links.length - 1];
  }

  /** The holder: the last link's audience. */
  get holder(): NodeId {
    return this.leaf.audience;
  }

  toText(): string {
    return toText(TOKEN_TEXT_PREFIX, this.bytes);
  }

  equals(other: Token): boolean {
    return bytesEqual(this.bytes, other.bytes);
  }
}

/** What to grant. Lists are put in canonical order (sorted, duplicates dropped). */
export interface GrantOptions {
  audience: NodeId;
  resources: readonly string[];
  abilities: readonly string[];
  caveats?: Readonly<Record<string, string>>;
  /** ms since the Unix epoch; the window is [notBeforeMs, expiresMs). */
  notBeforeMs: number;
  expiresMs: number;
  /** 0..32 bytes that make this grant distinct from an otherwise identical one (default empty). */
  nonce?: Uint8Array;
}

/** A root token: `issuer` grants `audience` the resources and abilities. */
export function issueToken(
  issuer: Identity,
  opts: GrantOptions,
  crypto: CryptoBackend = defaultCrypto(),
): Token {
  const link = signLink(issuer, { ...grantPayload(opts), issuerKey: issuer.publicKey, parent: null }, crypto);
  return Token.fromLinks([link], crypto);
}

/** What a delegation changes; everything left out is inherited from the parent unchanged. */
export interface DelegateOptions {
  audience: NodeId;
  resources?: readonly string[];
  abilities?: readonly string[];
  /** Added to the parent's caveats (a parent caveat cannot be changed or dropped). */
  caveats?: Readonly<Record<string, string>>;
  notBeforeMs?: number;
  expiresMs?: number;
  nonce?: Uint8Array;
}

/**
 * Extend `parent` by one link from its holder to a new audience. Throws BrokenChainError when
 * `issuer` is not the parent's holder, WidenedError (naming what widened) when the new link would
 * grant more than the parent, and MalformedTokenError for bad patterns, caveats or times.
 */
export function delegateToken(
  parent: Token,
  issuer: Identity,
  opts: DelegateOptions,
  crypto: CryptoBackend = defaultCrypto(),
): Token {
  const from = parent.leaf;
  if (!issuer.nodeId.equals(from.audience)) {
    throw new BrokenChainError(
      `delegation: the parent token is held by ${from.audience}, not by the delegating identity ${issuer.nodeId}`,
    );
  }
  // A changed parent caveat stays changed here, so checkNarrows names it in its refusal.
  const caveats = { ...from.caveats, ...(opts.caveats ?? {}) };
  const grant = grantPayload({
    audience: opts.audience,
    resources: opts.resources ?? from.resources,
    abilities: opts.abilities ?? from.abilities,
    caveats,
    notBeforeMs: opts.notBeforeMs ?? from.notBeforeMs,
    expiresMs: opts.expiresMs ?? from.expiresMs,
    nonce: opts.nonce,
  });
  checkNarrows(from, grant, `delegation to ${opts.audience}`);
  if (parent.links.length >= CHAIN_MAX_LINKS) {
    throw new MalformedTokenError(`delegation: a chain holds at most ${CHAIN_MAX_LINKS} links`);
  }
  const link = signLink(issuer, { ...grant, issuerKey: issuer.publicKey, parent: from.id }, crypto);
  return Token.fromLinks([...parent.links, link], crypto);
}

function grantPayload(opts: GrantOptions) {
  const caveats = { ...(opts.caveats ?? {}) };
  checkCaveats(caveats, 'caveats');
  for (const [name, t] of [
    ['not-before', opts.notBeforeMs],
    ['expiry', opts.expiresMs],
  ] as const) {
    if (!Number.isSafeInteger(t) || t < 0 || t > TIME_MAX_MS) {
      throw new MalformedTokenError(`${name}: expected integer ms since the Unix epoch, got ${t}`);
    }
  }
  if (opts.expiresMs <= opts.notBeforeMs) {
    throw new MalformedTokenError(
      `expiry (${opts.expiresMs}) must be later than not-before (${opts.notBeforeMs}): the token would never be valid`,
    );
  }
  const nonce = opts.nonce ?? new Uint8Array(0);
  if (nonce.length > NONCE_MAX_LEN) throw new MalformedTokenError(`nonce: at most ${NONCE_MAX_LEN} bytes`);
  return {
    audience: opts.audience,
    resources: canonicalPatterns(opts.resources, 'resources'),
    abilities: canonicalPatterns(opts.abilities, 'abilities'),
    caveats,
    notBeforeMs: opts.notBeforeMs,
    expiresMs: opts.expiresMs,
    nonce: Uint8Array.from(nonce),
  };
}
