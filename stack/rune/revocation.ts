/**
 * Revocation: a record, signed by an issuer, saying one link is no longer good.
 *
 *   Revocation = { "p": { "v": 1, "iss": bytes(32) public key, "rev": bytes(32) link id,
 *                         "iat": uint ms }, "s": bytes(64) }
 *
 * A record counts against a chain only when its issuer issued the revoked link or a link above
 * it (UCAN's rule): whoever granted authority can take back what flowed from it, while a holder
 * further down cannot revoke what it merely received, and a stranger's record changes nothing.
 * Revoking a link revokes every token that contains it, so the whole subtree below it.
 */
import { defaultCrypto } from '../crypto/select.js';
import type { CryptoBackend } from '../crypto/types.js';
import { bytesToHex } from '../identity/hex.js';
import type { Identity } from '../identity/identity.js';
import { NodeId } from '../identity/node-id.js';
import { asBytes, asMap, asUint, decodeCanonical, encodeCanonical, fromText, toText } from './codec.js';
import {
  DOMAIN_REVOCATION,
  LINK_ID_LEN,
  PUBLIC_KEY_LEN,
  REVOCATION_TEXT_PREFIX,
  RUNE_VERSION,
  SIGNATURE_LEN,
} from './constants.js';
import { BadSignatureError, MalformedTokenError } from './errors.js';
import { signedMessage, verifyDomainSignature } from './signing.js';

export interface Revocation {
  readonly issuerKey: Uint8Array;
  readonly issuer: NodeId;
  /** The id of the revoked link. */
  readonly linkId: Uint8Array;
  /** When the issuer made the record (informational; ms since the Unix epoch). */
  readonly issuedAtMs: number;
  readonly signature: Uint8Array;
  readonly bytes: Uint8Array;
}

/** Sign a revocation of the link with id `linkId`. `issuedAtMs` comes from the caller's clock. */
export function revokeLink(
  issuer: Identity,
  linkId: Uint8Array,
  issuedAtMs: number,
  crypto: CryptoBackend = defaultCrypto(),
): Revocation {
  const p = { v: RUNE_VERSION, iss: issuer.publicKey, rev: Uint8Array.from(linkId), iat: issuedAtMs };
  asBytes(p.rev, 'revocation rev', { exact: LINK_ID_LEN });
  asUint(p.iat, 'revocation iat');
  const signature = issuer.sign(signedMessage(DOMAIN_REVOCATION, encodeCanonical(p)));
  return decodeRevocation(encodeCanonical({ p, s: signature }), crypto);
}

/** Decode a revocation and check its signature (MalformedTokenError, BadSignatureError). */
export function decodeRevocation(bytes: Uint8Array, crypto: CryptoBackend = defaultCrypto()): Revocation {
  const m = asMap(decodeCanonical(bytes, 'revocation'), ['p', 's'], 'revocation');
  const p = asMap(m.p, ['v', 'iss', 'rev', 'iat'], 'revocation payload');
  if (p.v !== RUNE_VERSION)
    throw new MalformedTokenError(`revocation: version ${String(p.v)} is not supported`);
  const issuerKey = asBytes(p.iss, 'revocation iss', { exact: PUBLIC_KEY_LEN });
  const linkId = asBytes(p.rev, 'revocation rev', { exact: LINK_ID_LEN });
  const issuedAtMs = asUint(p.iat, 'revocation iat');
  const signature = asBytes(m.s, 'revocation s', { exact: SIGNATURE_LEN });
  const payload = encodeCanonical({ v: RUNE_VERSION, iss: issuerKey, rev: linkId, iat: issuedAtMs });
  if (!verifyDomainSignature(crypto, issuerKey, DOMAIN_REVOCATION, payload, signature)) {
    throw new BadSignatureError('revocation: the signature does not verify against its issuer key');
  }
  const issuer = NodeId.fromPublicKey(issuerKey, crypto);
  return { issuerKey, issuer, linkId, issuedAtMs, signature, bytes: Uint8Array.from(bytes) };
}

export function revocationToText(r: Revocation): string {
  return toText(REVOCATION_TEXT_PREFIX, r.bytes);
}

export function parseRevocation(text: string, crypto: CryptoBackend = defaultCrypto()): Revocation {
  return decodeRevocation(fromText(REVOCATION_TEXT_PREFIX, text, 'revocation'), crypto);
}

/**
 * The revocations a verifier knows, indexed by revoked link id. Only records whose signature
 * verifies get in; whether a record's issuer may revoke a given chain is decided per chain at
 * verification time (revokedBy()).
 */
export class RevocationSet {
  readonly #byLink = new Map<string, Revocation[]>();

  constructor(records: Iterable<Revocation> = []) {
    for (const r of records) this.add(r);
  }

  add(r: Revocation): void {
    const key = bytesToHex(r.linkId);
    const list = this.#byLink.get(key);
    if (!list) this.#byLink.set(key, [r]);
    else if (!list.some((x) => x.issuer.equals(r.issuer))) list.push(r);
  }

  get size(): number {
    let n = 0;
    for (const l of this.#byLink.values()) n += l.length;
    return n;
  }

  /** The first record against linkId issued by one of `issuers`, if any. */
  revokedBy(linkId: Uint8Array, issuers: readonly NodeId[]): Revocation | undefined {
    const list = this.#byLink.get(bytesToHex(linkId));
    return list?.find((r) => issuers.some((i) => i.equals(r.issuer)));
  }

  /**
   * A revocation file: one text-form record per line; blank lines and lines starting with "#"
   * are skipped. Throws the record's error with its line number.
   */
  static parse(text: string, crypto: CryptoBackend = defaultCrypto()): RevocationSet {
    const set = new RevocationSet();
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '' || line.startsWith('#')) continue;
      try {
        set.add(parseRevocation(line, crypto));
      } catch (err) {
        if (err instanceof Error) err.message = `line ${i + 1}: ${err.message}`;
        throw err;
      }
    }
    return set;
  }
}
