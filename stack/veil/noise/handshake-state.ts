/**
 * Noise HandshakeState (rev 34, §5.3) driven by a message pattern, with the one pattern Valhalla
 * uses: XX (§7.5), Noise_XX_25519_ChaChaPoly_SHA256.
 *
 *   XX:
 *     -> e
 *     <- e, ee, s, es
 *     -> s, se
 *
 * The ephemeral private key is handed in rather than generated here: the stack draws it from the
 * Runtime's rng (so simulations are reproducible) and the vector runner injects the fixed ones.
 */

import type { CryptoBackend, DhKey } from '../../crypto/types.js';
import { type CipherState, MAX_MESSAGE_LEN, TAG_LEN } from './cipher-state.js';
import { HandshakeStateError, NoiseMessageError } from './errors.js';
import { SymmetricState } from './symmetric-state.js';

export const DH_LEN = 32; // bytes, an X25519 public key
export const NOISE_XX_PROTOCOL_NAME = 'Noise_XX_25519_ChaChaPoly_SHA256';

export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss';
/** Message patterns in order; even indexes are sent by the initiator. */
export const XX_PATTERN: readonly (readonly Token[])[] = [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']];

export interface HandshakeOptions {
  crypto: CryptoBackend;
  initiator: boolean;
  /** Bound into h before the first message; both sides must use the same bytes. */
  prologue: Uint8Array;
  /** The local static key pair (s). */
  staticKey: DhKey;
  /** The local ephemeral private key (32 bytes), or a DhKey already built from it. */
  ephemeralKey: Uint8Array | DhKey;
}

/** The transport CipherStates of a finished handshake, oriented for the local side. */
export interface TransportKeys {
  send: CipherState;
  recv: CipherState;
  handshakeHash: Uint8Array;
}

export class HandshakeState {
  readonly initiator: boolean;
  private readonly crypto: CryptoBackend;
  private readonly ss: SymmetricState;
  private readonly s: DhKey;
  private readonly ephemeralSource: Uint8Array | DhKey;
  private e: DhKey | undefined;
  private re: Uint8Array | undefined;
  private rs: Uint8Array | undefined;
  private step = 0;
  /** Set when a read or write threw: h and ck are then half-updated, so the state is dead. */
  private failed = false;
  private keys: TransportKeys | undefined;

  constructor(
    opts: HandshakeOptions,
    private readonly pattern: readonly (readonly Token[])[] = XX_PATTERN,
  ) {
    this.crypto = opts.crypto;
    this.initiator = opts.initiator;
    this.s = opts.staticKey;
    this.ephemeralSource = opts.ephemeralKey;
    this.ss = new SymmetricState(opts.crypto, NOISE_XX_PROTOCOL_NAME);
    this.ss.mixHash(opts.prologue);
  }

  /** True once the last message was written or read; transportKeys() is then available. */
  get complete(): boolean {
    return this.keys !== undefined;
  }

  /** Whether the next call must be writeMessage (true) or readMessage (false). */
  get isMyTurn(): boolean {
    return !this.complete && this.step % 2 === (this.initiator ? 0 : 1);
  }

  /** The index of the next handshake message (0-based). */
  get messageIndex(): number {
    return this.step;
  }

  /** The peer's static public key, once it was received. */
  get remoteStaticKey(): Uint8Array | undefined {
    return this.rs;
  }

  get localStaticKey(): Uint8Array {
    return this.s.publicKey;
  }

  /** GetHandshakeHash() (§5.3): h after the last message; identical on both sides. */
  getHandshakeHash(): Uint8Array {
    return this.transportKeys().handshakeHash;
  }

  /** The split transport keys. Throws HandshakeStateError before the handshake completes. */
  transportKeys(): TransportKeys {
    if (!this.keys) throw new HandshakeStateError('the handshake has not completed');
    return this.keys;
  }

  /** WriteMessage(payload): the next handshake message, to be sent as it is. */
  writeMessage(payload: Uint8Array): Uint8Array {
    this.checkTurn(true);
    try {
      return this.write(payload);
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  /**
   * ReadMessage(message): the peer's payload. Throws NoiseMessageError when the message is too
   * short for its tokens, DecryptError when it does not authenticate. After any error the
   * handshake is dead: every later call throws HandshakeStateError.
   */
  readMessage(message: Uint8Array): Uint8Array {
    this.checkTurn(false);
    try {
      return this.read(message);
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  private write(payload: Uint8Array): Uint8Array {
    const parts: Uint8Array[] = [];
    for (const token of this.pattern[this.step]) {
      if (token === 'e') {
        this.e = this.buildEphemeral();
        parts.push(this.e.publicKey);
        this.ss.mixHash(this.e.publicKey);
      } else if (token === 's') {
        parts.push(this.ss.encryptAndHash(this.s.publicKey));
      } else {
        this.ss.mixKey(this.dh(token));
      }
    }
    parts.push(this.ss.encryptAndHash(payload));
    const message = concat(parts);
    if (message.length > MAX_MESSAGE_LEN) {
      throw new NoiseMessageError(`handshake message of ${message.length} bytes exceeds ${MAX_MESSAGE_LEN}`);
    }
    this.advance();
    return message;
  }

  private read(message: Uint8Array): Uint8Array {
    if (message.length > MAX_MESSAGE_LEN) {
      throw new NoiseMessageError(`handshake message of ${message.length} bytes exceeds ${MAX_MESSAGE_LEN}`);
    }
    let offset = 0;
    const take = (n: number, what: string): Uint8Array => {
      if (message.length - offset < n) {
        throw new NoiseMessageError(
          `handshake message ${this.step + 1}: expected ${n} bytes for ${what} at offset ${offset}, got ${message.length - offset}`,
        );
      }
      const out = message.subarray(offset, offset + n);
      offset += n;
      return out;
    };
    for (const token of this.pattern[this.step]) {
      if (token === 'e') {
        this.re = take(DH_LEN, 'e').slice();
        this.ss.mixHash(this.re);
      } else if (token === 's') {
        const len = this.ss.hasKey() ? DH_LEN + TAG_LEN : DH_LEN;
        this.rs = this.ss.decryptAndHash(take(len, 's')).slice();
      } else {
        this.ss.mixKey(this.dh(token));
      }
    }
    if (this.ss.hasKey() && message.length - offset < TAG_LEN) {
      throw new NoiseMessageError(
        `handshake message ${this.step + 1}: payload shorter than its ${TAG_LEN}-byte tag`,
      );
    }
    const payload = this.ss.decryptAndHash(message.subarray(offset));
    this.advance();
    return payload;
  }

  private checkTurn(writing: boolean): void {
    if (this.failed) throw new HandshakeStateError('the handshake failed earlier and cannot continue');
    if (this.complete) throw new HandshakeStateError('the handshake has already completed');
    if (this.isMyTurn !== writing) {
      const role = this.initiator ? 'initiator' : 'responder';
      throw new HandshakeStateError(
        `${role} cannot ${writing ? 'write' : 'read'} handshake message ${this.step + 1} (it is the peer's turn)`,
      );
    }
  }

  private buildEphemeral(): DhKey {
    const source = this.ephemeralSource;
    return source instanceof Uint8Array ? this.crypto.x25519(source) : source;
  }

  /**
   * The DH a token names. The token's first letter is the initiator's key and the second the
   * responder's (§7.1), so es is DH(e, rs) on the initiator and DH(s, re) on the responder.
   */
  private dh(token: Exclude<Token, 'e' | 's'>): Uint8Array {
    const localLetter = this.initiator ? token[0] : token[1];
    const remoteLetter = this.initiator ? token[1] : token[0];
    const local = localLetter === 'e' ? this.e : this.s;
    const remote = remoteLetter === 'e' ? this.re : this.rs;
    if (!local || !remote) throw new HandshakeStateError(`token ${token} before the keys it needs are known`);
    return local.dh(remote);
  }

  private advance(): void {
    this.step++;
    if (this.step < this.pattern.length) return;
    const [c1, c2] = this.ss.split();
    const handshakeHash = this.ss.handshakeHash;
    this.keys = this.initiator
      ? { send: c1, recv: c2, handshakeHash }
      : { send: c2, recv: c1, handshakeHash };
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
