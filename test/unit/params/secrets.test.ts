import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets, secretReferences, substituteSecrets } from '#shared/params/secrets.ts';

const config = {
  url: 'https://api.example.com/v1?key={{secret:api-key}}',
  headers: { authorization: 'Bearer {{secret:partner/token}}', 'x-other': '{{secret:api-key}}' },
  body: { nested: ['{{secret:db.password}}', 'plain', 3] },
};

describe('secret references', () => {
  it('lists each name once, in order, at any depth', () => {
    expect(secretReferences(config)).toEqual(['api-key', 'partner/token', 'db.password']);
    expect(secretReferences({ text: '{{secret:}} {{ secret:x }} {secret:y}' })).toEqual([]);
  });

  it('substitutes every reference, leaving the rest as it was', () => {
    const resolved = substituteSecrets(config, {
      'api-key': 'K1',
      'partner/token': 'T2',
      'db.password': 'P3',
    });
    expect(resolved).toEqual({
      url: 'https://api.example.com/v1?key=K1',
      headers: { authorization: 'Bearer T2', 'x-other': 'K1' },
      body: { nested: ['P3', 'plain', 3] },
    });
  });

  it('masks every occurrence of a value, longest first, keys included; short values are left alone', () => {
    const result = {
      status: 'FAILED',
      error: { code: 'HTTP_401', message: 'token abcd-1234 refused; prefix abcd-1234-long' },
      logs: { stdout: '> authorization: Bearer abcd-1234\n{"abcd-1234-long":true}' },
      metrics: { duration: 5 },
    };
    expect(redactSecrets(result, ['abcd-1234', 'abcd-1234-long', 'ab'])).toEqual({
      status: 'FAILED',
      error: { code: 'HTTP_401', message: `token ${REDACTED} refused; prefix ${REDACTED}` },
      logs: { stdout: `> authorization: Bearer ${REDACTED}\n{"${REDACTED}":true}` },
      metrics: { duration: 5 },
    });
    expect(redactSecrets(result, [])).toBe(result);
  });
});
