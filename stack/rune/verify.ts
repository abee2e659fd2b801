/**
 * Offline, deterministic verification. Everything a decision depends on is passed in: the token,
 * the time, the root issuers trusted for the resource, the revocations known. The checks run in a
 * fixed order (conformance/spec/rune.md, "Verification"), so the same inputs always give the same
 * verdict and the same error.
 */
import { defaultCrypto } from '../crypto/select.js';
import type { CryptoBackend } from '../crypto/types.js';
import type { NodeId } from '../identity/node-id.js';
import { bytesEqual } from './codec.js';
import { DOMAIN_LINK } from './constants.js';
import {
  BadSignatureError,
  BrokenChainError,
  CaveatUnmetError,
  ExpiredError,
  NotGrantedError,
  NotYetValidError,
  RevokedError,
  UntrustedIssuerError,
  WrongAudienceError,
} from './errors.js';
import type { Link } from './link.js';
import { checkNarrows, iso } from './narrow.js';
import { coveredBy } from './pattern.js';
import type { RevocationSet } from './revocation.js';
import { verifyDomainSignature } from './signing.js';
import { Token } from './token.js';

export interface VerifyOptions {
  /** The instant to judge at, ms since the Unix epoch (Runtime.clock.wallNow() at the boundary). */
  nowMs: number;
  /** Root issuers accepted. Omitted: any root (inspection tools); a boundary always passes it. */
  trust?: readonly NodeId[];
  revocations?: RevocationSet;
  crypto?: CryptoBackend;
}

/** A chain that verified: what its holder may do, and within which bounds. */
export interface VerifiedCapability {
  readonly token: Token;
  /** The root link's issuer: the authority the grant comes from. */
  readonly rootIssuer: NodeId;
  /** The last link's audience: the only node that may use the grant. */
  readonly holder: NodeId;
  /** The leaf's resources and abilities (each is within every link above it). */
  readonly resources: readonly string[];
  readonly abilities: readonly string[];
  /** Every caveat of the chain (each link keeps its parent's, so this is the leaf's). */
  readonly caveats: Readonly<Record<string, string>>;
  /** The leaf's window, which lies inside every window above it. */
  readonly notBeforeMs: number;
  readonly expiresMs: number;
}

/** A token as an object, canonical bytes, or text form. */
export type TokenInput = Token | Uint8Array | string;

export function toToken(input: TokenInput, crypto: CryptoBackend = defaultCrypto()): Token {
  if (input instanceof Token) return input;
  return typeof input === 'string' ? Token.parse(input, crypto) : Token.decode(input, crypto);
}

/** Verify a whole chain. Returns the capability or throws a TokenRefusedError subclass. */
export function verifyToken(input: TokenInput, opts: VerifyOptions): VerifiedCapability {
  const crypto = opts.crypto ?? defaultCrypto();
  const token = toToken(input, crypto);
  const links = token.links;
  for (let i = 0; i < links.length; i++) checkLink(links, i, opts.trust, crypto);
  for (let i = 0; i < links.length; i++) checkTime(links[i], i, opts.nowMs);
  if (opts.revocations) checkRevocations(links, opts.revocations);
  const leaf = token.leaf;
  return {
    token,
    rootIssuer: token.root.issuer,
    holder: leaf.audience,
    resources: leaf.resources,
    abilities: leaf.abilities,
    caveats: leaf.caveats,
    notBeforeMs: leaf.notBeforeMs,
    expiresMs: leaf.expiresMs,
  };
}

function checkLink(
  links: readonly Link[],
  i: number,
  trust: readonly NodeId[] | undefined,
  crypto: CryptoBackend,
) {
  const l = links[i];
  if (!verifyDomainSignature(crypto, l.issuerKey, DOMAIN_LINK, l.payloadBytes, l.signature)) {
    throw new BadSignatureError(`link ${i}: the signature does not verify against its issuer ${l.issuer}`);
  }
  if (i === 0) {
    if (l.parent !== null) {
      throw new BrokenChainError('link 0: names a parent link that the token does not carry');
    }
    if (trust !== undefined && !trust.some((t) => t.equals(l.issuer))) {
      throw new UntrustedIssuerError(
        `link 0: issued by ${l.issuer}, which is not a trusted root for this resource (trusted: ${trust.join(', ') || 'none'})`,
      );
    }
    return;
  }
  const parent = links[i - 1];
  if (l.parent === null || !bytesEqual(l.parent, parent.id)) {
    throw new BrokenChainError(`link ${i}: does not name link ${i - 1} as its parent`);
  }
  if (!l.issuer.equals(parent.audience)) {
    throw new BrokenChainError(
      `link ${i}: issued by ${l.issuer}, but link ${i - 1} was granted to ${parent.audience}`,
    );
  }
  checkNarrows(parent, l, `link ${i}`);
}

function checkTime(l: Link, i: number, nowMs: number): void {
  if (nowMs < l.notBeforeMs) {
    throw new NotYetValidError(`link ${i}: not valid before ${iso(l.notBeforeMs)} (now ${iso(nowMs)})`);
  }
  if (nowMs >= l.expiresMs) {
    throw new ExpiredError(`link ${i}: expired at ${iso(l.expiresMs)} (now ${iso(nowMs)})`);
  }
}

function checkRevocations(links: readonly Link[], revocations: RevocationSet): void {
  const above: NodeId[] = [];
  for (let i = 0; i < links.length; i++) {
    above.push(links[i].issuer);
    const r = revocations.revokedBy(links[i].id, above);
    if (r) throw new RevokedError(`link ${i}: revoked by ${r.issuer} at ${iso(r.issuedAtMs)}`);
  }
}

/**
 * The boundary check (see index.ts). `context` answers caveats: each caveat k=v of the chain holds
 * when context[k] === v, unless `checkCaveat` is given, which then decides. A caveat nobody
 * answers fails (fail closed, as in macaroons).
 */
export interface AuthorizeRequest {
  token: TokenInput;
  /** Who presents the token, as the transport authenticated it (e.g. the Veil session's peer). */
  invoker: NodeId;
  resource: string;
  ability: string;
  nowMs: number;
  /** Root issuers whose grants this boundary accepts (usually the serving node itself). */
  trust: readonly NodeId[];
  revocations?: RevocationSet;
  context?: Readonly<Record<string, string>>;
  checkCaveat?: (key: string, value: string) => boolean;
  crypto?: CryptoBackend;
}

export function authorize(req: AuthorizeRequest): VerifiedCapability {
  const cap = verifyToken(req.token, req);
  checkRequest(cap, req);
  return cap;
}

/** What checkRequest() compares a verified capability against; each part is optional. */
export interface RequestCheck {
  invoker?: NodeId;
  resource?: string;
  ability?: string;
  context?: Readonly<Record<string, string>>;
  checkCaveat?: (key: string, value: string) => boolean;
  /** false: leave caveats unchecked (inspection tools only; authorize() always checks them). */
  caveats?: boolean;
}

/**
 * The request half of authorize(), for tools that check only some of it (valhalla token
 * verify): audience, then resource, then ability, then caveats. Throws WrongAudienceError,
 * NotGrantedError or CaveatUnmetError.
 */
export function checkRequest(cap: VerifiedCapability, req: RequestCheck): void {
  if (req.invoker && !cap.holder.equals(req.invoker)) {
    throw new WrongAudienceError(`the token is granted to ${cap.holder}, but ${req.invoker} presented it`);
  }
  if (req.resource !== undefined && !coveredBy(cap.resources, req.resource)) {
    throw new NotGrantedError(
      `resource "${req.resource}" is not among the granted ${JSON.stringify(cap.resources)}`,
    );
  }
  if (req.ability !== undefined && !coveredBy(cap.abilities, req.ability)) {
    throw new NotGrantedError(
      `ability "${req.ability}" is not among the granted ${JSON.stringify(cap.abilities)}`,
    );
  }
  if (req.caveats === false) return;
  for (const [k, v] of Object.entries(cap.caveats)) {
    const holds = req.checkCaveat
      ? req.checkCaveat(k, v)
      : req.context !== undefined && Object.hasOwn(req.context, k) && req.context[k] === v;
    if (!holds) {
      const got = req.context && Object.hasOwn(req.context, k) ? `"${req.context[k]}"` : 'nothing';
      throw new CaveatUnmetError(`caveat ${k}=${v} does not hold (the request has ${got} for ${k})`);
    }
  }
}
