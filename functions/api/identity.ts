// Who is calling: taken from API Gateway's authorizer context (IAM or JWT), never from a
// request header. The embedded runtime's server fills the same context for its identity.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

type AuthorizerContext = {
  iam?: { userArn?: string };
  jwt?: { claims?: Record<string, string | number | boolean | string[]> };
};

export function callerOf(event: APIGatewayProxyEventV2): string | undefined {
  const authorizer = (event.requestContext as { authorizer?: AuthorizerContext }).authorizer;
  const userArn = authorizer?.iam?.userArn;
  if (userArn) return identityOfArn(userArn);
  const claims = authorizer?.jwt?.claims;
  const name = claims?.username ?? claims?.['cognito:username'] ?? claims?.sub;
  return name === undefined ? undefined : String(name);
}

/**
 * An IAM user is its name (`arn:aws:iam::1:user/alice` → `alice`). An assumed role is
 * `<role>/<session>`: the session name alone is chosen by whoever assumes the role, so it
 * never stands for a person by itself.
 */
export function identityOfArn(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  if (resource.startsWith('assumed-role/')) return resource.slice('assumed-role/'.length);
  return resource.slice(resource.lastIndexOf('/') + 1);
}
