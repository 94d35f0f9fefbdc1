import { describe, expect, it } from 'vitest';
import { identityOfArn } from '#functions/api/identity.ts';
import { isLoopbackHost } from '#local/api-gateway.ts';

describe('caller identity from IAM', () => {
  it('is the user name of an IAM user', () => {
    expect(identityOfArn('arn:aws:iam::123456789012:user/alice')).toBe('alice');
    expect(identityOfArn('arn:aws:iam::123456789012:user/team/alice')).toBe('alice');
  });

  it('keeps the role with the session of an assumed role: the session alone is chosen by the caller', () => {
    expect(identityOfArn('arn:aws:sts::123456789012:assumed-role/Operators/alice')).toBe('Operators/alice');
  });
});

describe('the embedded API answers loopback hosts only', () => {
  it.each([
    ['127.0.0.1:3000', true],
    ['localhost:3000', true],
    ['[::1]:3000', true],
    ['localhost', true],
    ['evil.example:3000', false],
    ['127.0.0.1.evil.example', false],
    [undefined, false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
