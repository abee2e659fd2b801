import { describe, expect, test } from 'vitest';
import { nobleCrypto, nodeCrypto } from '../../crypto/index.js';
import { CipherState, MAX_MESSAGE_LEN, MAX_PLAINTEXT_LEN, TAG_LEN } from './cipher-state.js';
import { DecryptError, HandshakeStateError, NoiseMessageError, NonceExhaustedError } from './errors.js';
import { HandshakeState } from './handshake-state.js';
import { SymmetricState } from './symmetric-state.js';

const key = (fill: number) => new Uint8Array(32).fill(fill);
const EMPTY = new Uint8Array(0);

/** The RFC 8439 nonce Noise §12.3 specifies: 4 zero bytes, then n as 8 bytes little-endian. */
function nonceBytes(n: bigint): Uint8Array {
  const out = new Uint8Array(12);
  new DataView(out.buffer).setBigUint64(4, n, true);
  return out;
}

describe.each([nodeCrypto, nobleCrypto])('Noise on $name', (crypto) => {
  test('nonces are encoded as 4 zero bytes + 64-bit little-endian, across the 2^32 carry', () => {
    const cs = new CipherState(crypto, key(1));
    const aead = crypto.aead(key(1));
    const msg = Uint8Array.of(1, 2, 3);
    for (const start of [0n, 0xfffffffen, 0x1234567800000000n]) {
      cs.setNonce(start);
      for (let i = 0n; i < 3n; i++) {
        expect(cs.encryptWithAd(EMPTY, msg)).toEqual(aead.seal(nonceBytes(start + i), msg, EMPTY));
      }
      expect(cs.nonce).toBe(start + 3n);
    }
  });

  test('encryptParts gives encrypt() split in ciphertext and tag, advancing n (undefined without sealParts)', () => {
    const cs = new CipherState(crypto, key(5));
    const reference = new CipherState(crypto, key(5));
    const msg = new Uint8Array(5000).map((_, i) => i & 0xff);
    for (let i = 0; i < 3; i++) {
      const parts = cs.encryptParts(msg);
      if (crypto.aead(key(5)).sealParts === undefined) {
        expect(parts).toBeUndefined();
        expect(cs.nonce).toBe(0n);
        return;
      }
      expect(Uint8Array.from([...parts!.ciphertext, ...parts!.tag])).toEqual(reference.encrypt(msg));
      expect(cs.nonce).toBe(BigInt(i + 1));
    }
    expect(() => cs.encryptParts(new Uint8Array(MAX_PLAINTEXT_LEN + 1))).toThrow(NoiseMessageError);
    cs.setNonce(0xffffffffffffffffn);
    expect(() => cs.encryptParts(msg)).toThrow(NonceExhaustedError);
  });

  test('n = 2^64-1 is reserved: the last usable nonce works, then NonceExhaustedError', () => {
    const sender = new CipherState(crypto, key(2));
    const receiver = new CipherState(crypto, key(2));
    sender.setNonce(0xfffffffffffffffen);
    receiver.setNonce(0xfffffffffffffffen);
    expect(receiver.decrypt(sender.encrypt(Uint8Array.of(9)))).toEqual(Uint8Array.of(9));
    expect(() => sender.encrypt(Uint8Array.of(9))).toThrow(NonceExhaustedError);
    expect(() => receiver.decrypt(new Uint8Array(TAG_LEN))).toThrow(NonceExhaustedError);
  });

  test('a failed decryption throws DecryptError and does not advance the nonce', () => {
    const sender = new CipherState(crypto, key(3));
    const receiver = new CipherState(crypto, key(3));
    const first = sender.encrypt(Uint8Array.of(1));
    const second = sender.encrypt(Uint8Array.of(2));
    const forged = first.slice();
    forged[0] ^= 1;
    expect(() => receiver.decrypt(forged)).toThrow(DecryptError);
    expect(() => receiver.decrypt(second)).toThrow(DecryptError); // reordered: wrong nonce
    expect(receiver.nonce).toBe(0n);
    expect(receiver.decrypt(first)).toEqual(Uint8Array.of(1));
    expect(() => receiver.decrypt(first)).toThrow(DecryptError); // replayed
    expect(receiver.decrypt(second)).toEqual(Uint8Array.of(2));
  });

  test('rekey() takes the first 32 bytes of ENCRYPT(k, 2^64-1, empty, zeros) and keeps n', () => {
    const cs = new CipherState(crypto, key(4));
    cs.encrypt(EMPTY);
    cs.rekey();
    const expectedKey = crypto.aead(key(4)).seal(nonceBytes(0xffffffffffffffffn), new Uint8Array(32), EMPTY);
    const msg = Uint8Array.of(7, 7);
    expect(cs.nonce).toBe(1n);
    expect(cs.encrypt(msg)).toEqual(
      crypto.aead(expectedKey.subarray(0, 32)).seal(nonceBytes(1n), msg, EMPTY),
    );
  });

  test('encryptInto writes the same bytes behind a header, with or without Aead.sealInto', () => {
    const withInto = new CipherState(crypto, key(6));
    const base = crypto.aead(key(6));
    const plain = { seal: base.seal.bind(base), open: base.open.bind(base) }; // an Aead without sealInto
    const withoutInto = new CipherState({ ...crypto, aead: () => plain }, key(6));
    const reference = new CipherState(crypto, key(6));
    for (const size of [0, 7, MAX_PLAINTEXT_LEN]) {
      const msg = new Uint8Array(size).fill(size & 0xff);
      const expected = reference.encrypt(msg);
      for (const cs of [withInto, withoutInto]) {
        const frame = new Uint8Array(6 + size + TAG_LEN);
        const view = cs.encryptInto(msg, frame, 6);
        expect(view).toEqual(expected);
        expect(frame.subarray(6)).toEqual(expected);
      }
    }
    expect(() =>
      withInto.encryptInto(new Uint8Array(MAX_PLAINTEXT_LEN + 1), new Uint8Array(70_000), 0),
    ).toThrow(NoiseMessageError);
  });

  test('messages over 65535 bytes are refused', () => {
    const cs = new CipherState(crypto, key(5));
    expect(cs.encrypt(new Uint8Array(MAX_PLAINTEXT_LEN)).length).toBe(MAX_MESSAGE_LEN);
    expect(() => cs.encrypt(new Uint8Array(MAX_PLAINTEXT_LEN + 1))).toThrow(NoiseMessageError);
    expect(() => cs.decrypt(new Uint8Array(MAX_MESSAGE_LEN + 1))).toThrow(NoiseMessageError);
  });

  test('without a key, EncryptWithAd and DecryptWithAd pass bytes through', () => {
    const cs = new CipherState(crypto);
    expect(cs.hasKey()).toBe(false);
    expect(cs.encryptWithAd(EMPTY, Uint8Array.of(5))).toEqual(Uint8Array.of(5));
    expect(cs.nonce).toBe(0n);
  });

  test('protocol names up to 32 bytes are zero-padded, longer ones hashed', () => {
    const short = new SymmetricState(crypto, 'Noise_XX_25519_ChaChaPoly_SHA256');
    const padded = new Uint8Array(32);
    padded.set(new TextEncoder().encode('Noise_XX_25519_ChaChaPoly_SHA256'));
    expect(short.handshakeHash).toEqual(padded);
    const name = 'Noise_XXfallback+psk0_25519_ChaChaPoly_SHA256';
    expect(new SymmetricState(crypto, name).handshakeHash).toEqual(
      crypto.sha256(new TextEncoder().encode(name)),
    );
  });

  describe('XX handshake', () => {
    const pair = (prologueB = 'p') => {
      const make = (initiator: boolean, seed: number, prologue: string) =>
        new HandshakeState({
          crypto,
          initiator,
          prologue: new TextEncoder().encode(prologue),
          staticKey: crypto.x25519(key(seed)),
          ephemeralKey: key(seed + 10),
        });
      return [make(true, 1, 'p'), make(false, 2, prologueB)] as const;
    };

    test('completes with matching keys, hashes and remote statics', () => {
      const [i, r] = pair();
      r.readMessage(i.writeMessage(EMPTY));
      expect(i.readMessage(r.writeMessage(Uint8Array.of(1)))).toEqual(Uint8Array.of(1));
      expect(r.readMessage(i.writeMessage(Uint8Array.of(2)))).toEqual(Uint8Array.of(2));
      expect(i.complete && r.complete).toBe(true);
      expect(i.getHandshakeHash()).toEqual(r.getHandshakeHash());
      expect(i.remoteStaticKey).toEqual(crypto.x25519(key(2)).publicKey);
      expect(r.remoteStaticKey).toEqual(crypto.x25519(key(1)).publicKey);
      const msg = Uint8Array.of(42);
      expect(r.transportKeys().recv.decrypt(i.transportKeys().send.encrypt(msg))).toEqual(msg);
      expect(i.transportKeys().recv.decrypt(r.transportKeys().send.encrypt(msg))).toEqual(msg);
    });

    test('calls out of turn are HandshakeStateError', () => {
      const [i, r] = pair();
      expect(() => i.readMessage(new Uint8Array(32))).toThrow(HandshakeStateError);
      expect(() => r.writeMessage(EMPTY)).toThrow(HandshakeStateError);
      expect(() => i.getHandshakeHash()).toThrow(HandshakeStateError);
      r.readMessage(i.writeMessage(EMPTY));
      i.readMessage(r.writeMessage(EMPTY));
      r.readMessage(i.writeMessage(EMPTY));
      expect(() => i.writeMessage(EMPTY)).toThrow(HandshakeStateError);
      expect(() => r.readMessage(EMPTY)).toThrow(HandshakeStateError);
    });

    test('a different prologue makes message 2 fail to decrypt', () => {
      const [i, r] = pair('other');
      r.readMessage(i.writeMessage(EMPTY));
      expect(() => i.readMessage(r.writeMessage(EMPTY))).toThrow(DecryptError);
    });

    test('a flipped bit anywhere in message 2 or 3 is a DecryptError', () => {
      for (const which of [1, 2]) {
        const [i, r] = pair();
        const m1 = i.writeMessage(EMPTY);
        r.readMessage(m1);
        const m2 = r.writeMessage(Uint8Array.of(1, 2, 3));
        if (which === 1) {
          m2[40] ^= 0x80; // inside the encrypted static key
          expect(() => i.readMessage(m2)).toThrow(DecryptError);
        } else {
          i.readMessage(m2);
          const m3 = i.writeMessage(Uint8Array.of(4));
          m3[m3.length - 1] ^= 1; // the payload tag
          expect(() => r.readMessage(m3)).toThrow(DecryptError);
        }
      }
    });

    test('truncated messages are NoiseMessageError', () => {
      const [, r] = pair();
      expect(() => r.readMessage(new Uint8Array(31))).toThrow(NoiseMessageError);
      expect(() => r.readMessage(new Uint8Array(32))).toThrow(HandshakeStateError); // dead after an error
      const [i2, r2] = pair();
      r2.readMessage(i2.writeMessage(EMPTY));
      expect(() => i2.readMessage(r2.writeMessage(EMPTY).subarray(0, 32 + 48 + 15))).toThrow(
        NoiseMessageError,
      );
    });

    test('an oversized payload cannot be written', () => {
      const [i] = pair();
      expect(() => i.writeMessage(new Uint8Array(MAX_MESSAGE_LEN - 31))).toThrow(NoiseMessageError);
    });
  });
});
