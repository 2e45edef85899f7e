import { describe, expect, it } from 'vitest';
import { signatureAlgorithm } from './authenticator.js';

describe('signatureAlgorithm', () => {
  it('tells RSA signatures apart by their hash, as ssh2 reports them', () => {
    expect(signatureAlgorithm('ssh-rsa', 'sha256')).toBe('rsa-sha2-256');
    expect(signatureAlgorithm('ssh-rsa', 'sha512')).toBe('rsa-sha2-512');
    expect(signatureAlgorithm('ssh-rsa', undefined)).toBe('ssh-rsa');
  });

  it('leaves other key types as they are', () => {
    expect(signatureAlgorithm('ssh-ed25519', undefined)).toBe('ssh-ed25519');
    expect(signatureAlgorithm('ecdsa-sha2-nistp256', 'sha256')).toBe('ecdsa-sha2-nistp256');
  });
});
