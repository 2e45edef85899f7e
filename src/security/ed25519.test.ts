import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateEd25519KeyPair } from './ed25519.js';

describe('generateEd25519KeyPair', () => {
  it('makes pairs that always read back, though ssh2 alone fails one in about 256', () => {
    for (let i = 0; i < 1000; i += 1) {
      const pair = generateEd25519KeyPair('test');
      const privateKey = ssh2.utils.parseKey(pair.private);
      const publicKey = ssh2.utils.parseKey(pair.public);
      expect(privateKey).not.toBeInstanceOf(Error);
      expect(publicKey).not.toBeInstanceOf(Error);
      const data = Buffer.from(`message ${i}`);
      const signer = privateKey as ssh2.ParsedKey;
      expect((publicKey as ssh2.ParsedKey).verify(data, signer.sign(data) as Buffer)).toBe(true);
    }
  });

  it('writes the comment into the public line', () => {
    expect(generateEd25519KeyPair('posdrop host key').public).toMatch(/^ssh-ed25519 AAAA\S+ posdrop host key$/);
  });
});
