import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { callerOf, identityOfArn } from '#functions/api/identity.ts';
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

describe('caller identity from a JWT', () => {
  const withClaims = (claims: Record<string, string>) =>
    ({ requestContext: { authorizer: { jwt: { claims } } } }) as unknown as APIGatewayProxyEventV2;

  it('is the username, else the Cognito username, else the subject', () => {
    expect(callerOf(withClaims({ username: 'dana', sub: 'x' }))).toBe('dana');
    expect(callerOf(withClaims({ 'cognito:username': 'eve', sub: 'x' }))).toBe('eve');
    expect(callerOf(withClaims({ sub: '8f1c' }))).toBe('8f1c');
    expect(callerOf({ requestContext: {} } as unknown as APIGatewayProxyEventV2)).toBeUndefined();
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
