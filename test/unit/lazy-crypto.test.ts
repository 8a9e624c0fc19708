import { describe, expect, it } from 'vitest';
import { randomBase64url, sha256Hex } from '../../generators/shared/lazy-crypto.js';

describe('lazy-crypto', () => {
  it('hashes with SHA-256', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('gives the random bytes asked for, in base64url, different each time', () => {
    const secrets = Array.from({ length: 50 }, () => randomBase64url(18));
    for (const secret of secrets) expect(secret).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(new Set(secrets).size).toBe(secrets.length);
    expect(Buffer.from(randomBase64url(1000), 'base64url')).toHaveLength(1000);
  });
});
