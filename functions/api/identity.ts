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
  if (userArn) return userArn.slice(userArn.lastIndexOf('/') + 1);
  const claims = authorizer?.jwt?.claims;
  const name = claims?.username ?? claims?.['cognito:username'] ?? claims?.sub;
  return name === undefined ? undefined : String(name);
}
