// The console's PKCE helpers against RFC 7636's own example (Appendix B).
import { describe, expect, it } from 'vitest';
import { base64Url, challengeOf, newVerifier } from '../../../console/src/pkce.ts';

describe('PKCE (RFC 7636)', () => {
  it("derives the S256 challenge of the RFC's example verifier", async () => {
    expect(await challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it("writes the RFC's example octets as its verifier (base64url, no padding)", () => {
    const octets = [
      116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214,
      191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    expect(base64Url(new Uint8Array(octets))).toBe('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
  });

  it('makes 43-character verifiers of the unreserved alphabet, a new one each time', () => {
    const [a, b] = [newVerifier(), newVerifier()];
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });
});
