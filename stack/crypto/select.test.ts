import { afterEach, describe, expect, it } from 'vitest';
import { nobleCrypto } from './noble-backend.js';
import { nodeCrypto } from './node-backend.js';
import {
  autoSources,
  CryptoSelectError,
  composeCrypto,
  defaultCrypto,
  parseCryptoName,
  selectCrypto,
  setDefaultCrypto,
} from './select.js';

describe('backend selection', () => {
  afterEach(() => setDefaultCrypto('auto'));

  it('auto picks node:crypto for every operation on this Node', () => {
    expect(autoSources()).toEqual({
      sha256: 'node',
      hmacSha256: 'node',
      ed25519: 'node',
      x25519: 'node',
      aead: 'node',
    });
    expect(selectCrypto()).toBe(nodeCrypto);
    expect(selectCrypto('auto')).toBe(nodeCrypto);
  });

  it('names select their backend; unknown names are refused', () => {
    expect(selectCrypto('node')).toBe(nodeCrypto);
    expect(selectCrypto('noble')).toBe(nobleCrypto);
    expect(() => selectCrypto('wasm' as 'node')).toThrow(CryptoSelectError);
    expect(parseCryptoName('noble')).toBe('noble');
    expect(() => parseCryptoName('NODE')).toThrow(CryptoSelectError);
  });

  it('the default follows setDefaultCrypto', () => {
    expect(defaultCrypto()).toBe(nodeCrypto);
    setDefaultCrypto('noble');
    expect(defaultCrypto()).toBe(nobleCrypto);
    setDefaultCrypto('node');
    expect(defaultCrypto()).toBe(nodeCrypto);
  });

  it('a mix falls back per operation (as when node:crypto lacks ChaCha20-Poly1305)', () => {
    const mixed = composeCrypto({
      sha256: 'node',
      hmacSha256: 'node',
      ed25519: 'node',
      x25519: 'node',
      aead: 'noble',
    });
    expect(mixed.name).toBe('noble');
    expect(mixed.aead).toBe(nobleCrypto.aead);
    expect(mixed.x25519).toBe(nodeCrypto.x25519);
    expect(mixed.ed25519Verify).toBe(nodeCrypto.ed25519Verify);
    const seed = new Uint8Array(32).fill(1);
    expect(mixed.ed25519(seed).publicKey).toEqual(nobleCrypto.ed25519(seed).publicKey);
  });
});
