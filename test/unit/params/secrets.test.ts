import { describe, expect, it } from 'vitest';
import { protectSecretReferences, REDACTED, redactSecrets, revealSecrets } from '#shared/params/secrets.ts';

const config = {
  url: 'https://api.example.com/v1?key={{secret:api-key}}',
  headers: { authorization: 'Bearer {{secret:partner/token}}', 'x-other': '{{secret:api-key}}' },
  body: { nested: ['{{secret:db.password}}', 'plain', 3] },
};

describe('secret references', () => {
  it("turns the task's own references into placeholders, and reveals only those", () => {
    const { value, references } = protectSecretReferences(config);
    expect([...references.values()]).toEqual(['api-key', 'partner/token', 'api-key', 'db.password']);
    expect(JSON.stringify(value)).not.toContain('{{secret:');
    // What a template inserts later (a parameter, an upstream output) is text, never a reference.
    const rendered = { ...value, injected: 'x {{secret:api-key}}' };
    const revealed = revealSecrets(rendered, references, {
      'api-key': 'K1',
      'partner/token': 'T2',
      'db.password': 'P3',
    });
    expect(revealed).toEqual({
      url: 'https://api.example.com/v1?key=K1',
      headers: { authorization: 'Bearer T2', 'x-other': 'K1' },
      body: { nested: ['P3', 'plain', 3] },
      injected: 'x {{secret:api-key}}',
    });
    expect(protectSecretReferences({ text: '{{secret:}} {{ secret:x }} {secret:y}' }).references.size).toBe(
      0,
    );
  });

  it('makes placeholders no one can guess: another attempt gets others', () => {
    const first = [...protectSecretReferences(config).references.keys()];
    const second = [...protectSecretReferences(config).references.keys()];
    expect(first.some((p) => second.includes(p))).toBe(false);
  });

  it('masks a value also where it appears URL-encoded or JSON-escaped', () => {
    const secret = 'p@ss w|rd"\\x';
    const text = `url ${encodeURIComponent(secret)} json ${JSON.stringify({ token: secret })}`;
    expect(redactSecrets({ text }, [secret]).text).toBe(`url ${REDACTED} json {"token":"${REDACTED}"}`);
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
