/**
 * Rune's refusals. Every reason a token, revocation or attestation is not accepted has its own
 * class with a stable `code` (what other layers and the vectors match on); messages are for humans
 * and say which link and which field. All extend TokenRefusedError, so a boundary can catch the
 * family with one `instanceof` and answer with `err.code`.
 */

export type RefusalCode =
  | 'malformed'
  | 'bad-signature'
  | 'broken-chain'
  | 'untrusted-issuer'
  | 'widened'
  | 'not-yet-valid'
  | 'expired'
  | 'revoked'
  | 'wrong-audience'
  | 'not-granted'
  | 'caveat-unmet';

export abstract class TokenRefusedError extends Error {
  abstract readonly code: RefusalCode;
}

/** Not the canonical encoding, wrong field types or sizes, bad text form. */
export class MalformedTokenError extends TokenRefusedError {
  override name = 'MalformedTokenError';
  readonly code = 'malformed';
}

/** A signature does not verify against the issuer's public key. */
export class BadSignatureError extends TokenRefusedError {
  override name = 'BadSignatureError';
  readonly code = 'bad-signature';
}

/**
 * The links do not form a chain: a link's issuer is not its parent's audience, its proof hash is
 * not its parent's id, or it names a parent the token does not carry.
 */
export class BrokenChainError extends TokenRefusedError {
  override name = 'BrokenChainError';
  readonly code = 'broken-chain';
}

/** The chain's root issuer is not one the verifier trusts for this resource. */
export class UntrustedIssuerError extends TokenRefusedError {
  override name = 'UntrustedIssuerError';
  readonly code = 'untrusted-issuer';
}

export type WidenedField = 'resource' | 'ability' | 'caveat' | 'not-before' | 'expiry';

/** A delegation grants more than the link it was delegated from; `field` says what widened. */
export class WidenedError extends TokenRefusedError {
  override name = 'WidenedError';
  readonly code = 'widened';
  constructor(
    message: string,
    readonly field: WidenedField,
  ) {
    super(message);
  }
}

/** The time passed in is before a link's not-before. */
export class NotYetValidError extends TokenRefusedError {
  override name = 'NotYetValidError';
  readonly code = 'not-yet-valid';
}

/** The time passed in is at or after a link's expiry. */
export class ExpiredError extends TokenRefusedError {
  override name = 'ExpiredError';
  readonly code = 'expired';
}

/** A link of the chain is revoked by a record signed by its issuer or an issuer above it. */
export class RevokedError extends TokenRefusedError {
  override name = 'RevokedError';
  readonly code = 'revoked';
}

/** The token's final audience (or an attestation's subject) is not who presents it. */
export class WrongAudienceError extends TokenRefusedError {
  override name = 'WrongAudienceError';
  readonly code = 'wrong-audience';
}

/** The chain is valid but does not grant the resource and ability asked for. */
export class NotGrantedError extends TokenRefusedError {
  override name = 'NotGrantedError';
  readonly code = 'not-granted';
}

/** A caveat of the chain does not hold in the context the verifier supplied. */
export class CaveatUnmetError extends TokenRefusedError {
  override name = 'CaveatUnmetError';
  readonly code = 'caveat-unmet';
}

/** Every refusal class by code, for tests and tools that map a code back to its class. */
export const REFUSAL_CLASSES = {
  malformed: MalformedTokenError,
  'bad-signature': BadSignatureError,
  'broken-chain': BrokenChainError,
  'untrusted-issuer': UntrustedIssuerError,
  widened: WidenedError,
  'not-yet-valid': NotYetValidError,
  expired: ExpiredError,
  revoked: RevokedError,
  'wrong-audience': WrongAudienceError,
  'not-granted': NotGrantedError,
  'caveat-unmet': CaveatUnmetError,
} as const satisfies Record<RefusalCode, unknown>;
