/**
 * Attestations: a signed statement by one node about another ("I vouch that X is a relay",
 * "X passed my health check"), valid for a window.
 *
 *   Attestation = { "p": { "v": 1, "iss": bytes(32) public key, "sub": bytes(32) subject NodeID,
 *                          "clm": {key: text}, "nbf": uint ms, "exp": uint ms },
 *                   "s": bytes(64) }   (text: "rune-attestation-1:" + base64url)
 *
 * Unlike a token an attestation grants nothing and cannot be delegated; what a claim means is up
 * to whoever reads it. Verification checks the signature, the window and, when asked, who issued
 * it and whom it is about.
 */
import { defaultCrypto } from '../crypto/select.js';
import type { CryptoBackend } from '../crypto/types.js';
import type { Identity } from '../identity/identity.js';
import { NodeId } from '../identity/node-id.js';
import {
  asBytes,
  asMap,
  asText,
  asUint,
  type CborValue,
  decodeCanonical,
  encodeCanonical,
  fromText,
  toText,
} from './codec.js';
import {
  ATTESTATION_TEXT_PREFIX,
  DOMAIN_ATTESTATION,
  PUBLIC_KEY_LEN,
  RUNE_VERSION,
  SIGNATURE_LEN,
} from './constants.js';
import {
  BadSignatureError,
  ExpiredError,
  MalformedTokenError,
  NotYetValidError,
  UntrustedIssuerError,
  WrongAudienceError,
} from './errors.js';
import { iso } from './narrow.js';
import { checkCaveats } from './pattern.js';
import { signedMessage, verifyDomainSignature } from './signing.js';

export interface Attestation {
  readonly issuerKey: Uint8Array;
  readonly issuer: NodeId;
  readonly subject: NodeId;
  readonly claims: Readonly<Record<string, string>>;
  readonly notBeforeMs: number;
  readonly expiresMs: number;
  readonly signature: Uint8Array;
  readonly payloadBytes: Uint8Array;
  readonly bytes: Uint8Array;
}

export interface AttestOptions {
  subject: NodeId;
  /** Keys like caveat keys (a-z 0-9 . _ -), values up to 256 characters. */
  claims: Readonly<Record<string, string>>;
  notBeforeMs: number;
  expiresMs: number;
}

export function attest(
  issuer: Identity,
  opts: AttestOptions,
  crypto: CryptoBackend = defaultCrypto(),
): Attestation {
  const claims = { ...opts.claims };
  checkCaveats(claims, 'claims');
  const p = {
    v: RUNE_VERSION,
    iss: issuer.publicKey,
    sub: opts.subject.bytes,
    clm: claims,
    nbf: asUint(opts.notBeforeMs, 'not-before'),
    exp: asUint(opts.expiresMs, 'expiry'),
  };
  if (p.exp <= p.nbf) throw new MalformedTokenError('attestation: expiry must be later than not-before');
  const signature = issuer.sign(signedMessage(DOMAIN_ATTESTATION, encodeCanonical(p)));
  return decodeAttestation(encodeCanonical({ p, s: signature }), crypto);
}

/** Decode (structure only; verifyAttestation checks the signature and window). */
export function decodeAttestation(bytes: Uint8Array, crypto: CryptoBackend = defaultCrypto()): Attestation {
  const m = asMap(decodeCanonical(bytes, 'attestation'), ['p', 's'], 'attestation');
  const p = asMap(m.p, ['v', 'iss', 'sub', 'clm', 'nbf', 'exp'], 'attestation payload');
  if (p.v !== RUNE_VERSION)
    throw new MalformedTokenError(`attestation: version ${String(p.v)} is not supported`);
  const issuerKey = asBytes(p.iss, 'attestation iss', { exact: PUBLIC_KEY_LEN });
  const subject = NodeId.fromBytes(asBytes(p.sub, 'attestation sub', { exact: 32 }));
  const clm = asMap(p.clm, Object.keys(p.clm ?? {}), 'attestation clm');
  const claims: Record<string, string> = {};
  for (const [k, x] of Object.entries(clm)) claims[k] = asText(x, `attestation clm.${k}`);
  checkCaveats(claims, 'attestation clm');
  const notBeforeMs = asUint(p.nbf, 'attestation nbf');
  const expiresMs = asUint(p.exp, 'attestation exp');
  if (expiresMs <= notBeforeMs) throw new MalformedTokenError('attestation: empty validity window');
  const signature = asBytes(m.s, 'attestation s', { exact: SIGNATURE_LEN });
  return {
    issuerKey,
    issuer: NodeId.fromPublicKey(issuerKey, crypto),
    subject,
    claims,
    notBeforeMs,
    expiresMs,
    signature,
    payloadBytes: encodeCanonical(p as { [k: string]: CborValue }),
    bytes: Uint8Array.from(bytes),
  };
}

export function attestationToText(a: Attestation): string {
  return toText(ATTESTATION_TEXT_PREFIX, a.bytes);
}

export function parseAttestation(text: string, crypto: CryptoBackend = defaultCrypto()): Attestation {
  return decodeAttestation(fromText(ATTESTATION_TEXT_PREFIX, text, 'attestation'), crypto);
}

export interface VerifyAttestationOptions {
  nowMs: number;
  /** Accept only these issuers (omitted: any). */
  issuers?: readonly NodeId[];
  /** Require this subject (omitted: any). */
  subject?: NodeId;
  crypto?: CryptoBackend;
}

/** Check signature, issuer, subject and window, in that order; throws a TokenRefusedError. */
export function verifyAttestation(
  input: Attestation | Uint8Array | string,
  opts: VerifyAttestationOptions,
): Attestation {
  const crypto = opts.crypto ?? defaultCrypto();
  const a =
    input instanceof Uint8Array
      ? decodeAttestation(input, crypto)
      : typeof input === 'string'
        ? parseAttestation(input, crypto)
        : input;
  if (!verifyDomainSignature(crypto, a.issuerKey, DOMAIN_ATTESTATION, a.payloadBytes, a.signature)) {
    throw new BadSignatureError(`attestation: the signature does not verify against its issuer ${a.issuer}`);
  }
  if (opts.issuers && !opts.issuers.some((i) => i.equals(a.issuer))) {
    throw new UntrustedIssuerError(`attestation: issued by ${a.issuer}, which is not an accepted issuer`);
  }
  if (opts.subject && !opts.subject.equals(a.subject)) {
    throw new WrongAudienceError(`attestation: about ${a.subject}, not ${opts.subject}`);
  }
  if (opts.nowMs < a.notBeforeMs)
    throw new NotYetValidError(`attestation: not valid before ${iso(a.notBeforeMs)}`);
  if (opts.nowMs >= a.expiresMs) throw new ExpiredError(`attestation: expired at ${iso(a.expiresMs)}`);
  return a;
}
