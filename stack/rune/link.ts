/**
 * One link of a capability chain: what an issuer grants to an audience, signed by the issuer.
 *
 *   Link    = { "p": Payload, "s": bytes(64) }            (DAG-CBOR map)
 *   Payload = { "v": 1, "iss": bytes(32) issuer's Ed25519 public key,
 *               "aud": bytes(32) audience NodeID, "res": [pattern], "abl": [pattern],
 *               "cav": {key: text}, "nbf": uint ms, "exp": uint ms,
 *               "prf": bytes(32) parent link id | null, "nnc": bytes(0..32) }
 *
 * The link id is SHA-256 of the link's canonical bytes (payload and signature), so a child names
 * exactly one parent and revocations name exactly one link.
 */
import { defaultCrypto } from '../crypto/select.js';
import type { CryptoBackend } from '../crypto/types.js';
import type { Identity } from '../identity/identity.js';
import { NodeId } from '../identity/node-id.js';
import {
  asArray,
  asBytes,
  asMap,
  asText,
  asUint,
  type CborValue,
  decodeCanonical,
  encodeCanonical,
} from './codec.js';
import {
  CHAIN_MAX_LINKS,
  DOMAIN_LINK,
  LINK_ID_LEN,
  LIST_MAX_ITEMS,
  NONCE_MAX_LEN,
  PUBLIC_KEY_LEN,
  RUNE_VERSION,
  SIGNATURE_LEN,
} from './constants.js';
import { MalformedTokenError } from './errors.js';
import { checkCaveats, checkPatternList } from './pattern.js';
import { signedMessage } from './signing.js';

/** What a link grants, as its issuer signs it. */
export interface LinkPayload {
  /** The issuer's Ed25519 public key ("iss"); its NodeID is SHA-256 of it. */
  readonly issuerKey: Uint8Array;
  /** Who may use or delegate the grant ("aud"). */
  readonly audience: NodeId;
  /** Resource patterns, sorted and unique ("res"). */
  readonly resources: readonly string[];
  /** Ability patterns, sorted and unique ("abl"). */
  readonly abilities: readonly string[];
  /** Conditions that must all hold when the grant is used ("cav"). */
  readonly caveats: Readonly<Record<string, string>>;
  /** First valid instant, ms since the Unix epoch ("nbf"). */
  readonly notBeforeMs: number;
  /** First invalid instant, ms since the Unix epoch ("exp"); the window is [nbf, exp). */
  readonly expiresMs: number;
  /** The parent link's id, or null for a root link ("prf"). */
  readonly parent: Uint8Array | null;
  /** Makes otherwise equal grants distinct, so revoking one does not revoke the other ("nnc"). */
  readonly nonce: Uint8Array;
}

export interface Link extends LinkPayload {
  readonly issuer: NodeId;
  readonly signature: Uint8Array;
  /** The canonical payload bytes the signature covers (after the domain). */
  readonly payloadBytes: Uint8Array;
  /** The canonical bytes of the whole link. */
  readonly bytes: Uint8Array;
  /** SHA-256 of bytes. */
  readonly id: Uint8Array;
}

const PAYLOAD_KEYS = ['v', 'iss', 'aud', 'res', 'abl', 'cav', 'nbf', 'exp', 'prf', 'nnc'] as const;
const LINK_KEYS = ['p', 's'] as const;

export function payloadValue(p: LinkPayload): { [k: string]: CborValue } {
  return {
    v: RUNE_VERSION,
    iss: p.issuerKey,
    aud: p.audience.bytes,
    res: [...p.resources],
    abl: [...p.abilities],
    cav: { ...p.caveats },
    nbf: p.notBeforeMs,
    exp: p.expiresMs,
    prf: p.parent,
    nnc: p.nonce,
  };
}

/** Sign a payload (already validated by the caller) with the issuer's identity. */
export function signLink(
  issuer: Identity,
  payload: LinkPayload,
  crypto: CryptoBackend = defaultCrypto(),
): Link {
  const value = payloadValue(payload);
  const payloadBytes = encodeCanonical(value);
  const signature = issuer.sign(signedMessage(DOMAIN_LINK, payloadBytes));
  const bytes = encodeCanonical({ p: value, s: signature });
  // Decoding what we just made validates it exactly as a verifier will (one code path for both).
  return readLink(decodeCanonical(bytes, 'link'), 'link', crypto);
}

/** A link from its decoded DAG-CBOR value. Structure only: signatures are checked by verify.ts. */
export function readLink(v: unknown, what: string, crypto: CryptoBackend = defaultCrypto()): Link {
  const m = asMap(v, LINK_KEYS, what);
  const p = asMap(m.p, PAYLOAD_KEYS, `${what} payload`);
  if (p.v !== RUNE_VERSION) {
    throw new MalformedTokenError(
      `${what}: version ${String(p.v)} is not supported (expected ${RUNE_VERSION})`,
    );
  }
  const issuerKey = asBytes(p.iss, `${what} iss`, { exact: PUBLIC_KEY_LEN });
  const audience = NodeId.fromBytes(asBytes(p.aud, `${what} aud`, { exact: 32 }));
  const resources = asArray(p.res, `${what} res`, 1, LIST_MAX_ITEMS).map((x) => asText(x, `${what} res`));
  const abilities = asArray(p.abl, `${what} abl`, 1, LIST_MAX_ITEMS).map((x) => asText(x, `${what} abl`));
  checkPatternList(resources, `${what} res`);
  checkPatternList(abilities, `${what} abl`);
  const cav = asMap(p.cav, Object.keys(p.cav ?? {}), `${what} cav`);
  const caveats: Record<string, string> = {};
  for (const [k, x] of Object.entries(cav)) caveats[k] = asText(x, `${what} cav.${k}`);
  checkCaveats(caveats, `${what} cav`);
  const notBeforeMs = asUint(p.nbf, `${what} nbf`);
  const expiresMs = asUint(p.exp, `${what} exp`);
  if (expiresMs <= notBeforeMs) {
    throw new MalformedTokenError(`${what}: empty validity window (exp ${expiresMs} <= nbf ${notBeforeMs})`);
  }
  const parent = p.prf === null ? null : asBytes(p.prf, `${what} prf`, { exact: LINK_ID_LEN });
  const nonce = asBytes(p.nnc, `${what} nnc`, { max: NONCE_MAX_LEN });
  const signature = asBytes(m.s, `${what} s`, { exact: SIGNATURE_LEN });
  const payloadBytes = encodeCanonical(p as { [k: string]: CborValue });
  const bytes = encodeCanonical(m as { [k: string]: CborValue });
  return {
    issuerKey,
    issuer: NodeId.fromPublicKey(issuerKey, crypto),
    audience,
    resources,
    abilities,
    caveats,
    notBeforeMs,
    expiresMs,
    parent,
    nonce,
    signature,
    payloadBytes,
    bytes,
    id: crypto.sha256(bytes),
  };
}

export function checkChainLength(n: number, what: string): void {
  if (n < 1 || n > CHAIN_MAX_LINKS) {
    throw new MalformedTokenError(`${what}: expected 1..${CHAIN_MAX_LINKS} links, got ${n}`);
  }
}
