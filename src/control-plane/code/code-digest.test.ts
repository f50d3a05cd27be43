import { describe, expect, it } from 'vitest';
import { digestCode } from './code-digest.js';

describe('digestCode', () => {
  it('gives the SHA-256 of the bytes in hex and in base64 (CodeSha256), and their size', () => {
    expect(digestCode(Buffer.from('abc'))).toEqual({
      sha256Hex: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      codeSha256: 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=',
      size: 3,
    });
  });

  it('digests an empty buffer', () => {
    expect(digestCode(Buffer.alloc(0))).toEqual({
      sha256Hex: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      codeSha256: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
      size: 0,
    });
  });
});
