import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from './signature.js';

describe('webhook signatures', () => {
  const at = new Date(1_764_756_000_000);
  const body = '{"event":"file.processed"}';
  const header = signatureHeader('s3cret-s3cret-s3cret', body, at);

  it('is t=<seconds>,v1=<HMAC-SHA256 of "t.body"> as Stripe receivers check it', () => {
    // echo -n '1764756000.{"event":"file.processed"}' | openssl dgst -sha256 -hmac s3cret-s3cret-s3cret
    expect(header).toBe('t=1764756000,v1=0b40b33adc65551ee94c46d6004b923b7b543c768095a33a74aea3fd7287cc81');
    expect(verifySignature(header, 's3cret-s3cret-s3cret', body, at)).toBe(true);
  });

  it('refuses another body, another secret, an old timestamp and a malformed header', () => {
    expect(verifySignature(header, 's3cret-s3cret-s3cret', `${body} `, at)).toBe(false);
    expect(verifySignature(header, 'another-secret-value', body, at)).toBe(false);
    expect(verifySignature(header, 's3cret-s3cret-s3cret', body, new Date(at.getTime() + 301_000))).toBe(false);
    expect(verifySignature('v1=abc', 's3cret-s3cret-s3cret', body, at)).toBe(false);
  });
});
