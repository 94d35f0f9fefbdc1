// The SecretStore port on AWS Secrets Manager, through Powertools Parameters: each name is
// read under Rondo's prefix (`rondo/<stage>/NAME`), and kept in the function's memory for
// `maxAgeSeconds`, so a busy function reads a secret once a minute, not once an attempt.

import { GetParameterError } from '@aws-lambda-powertools/parameters/errors';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../ports/secret-store.ts';

export const DEFAULT_SECRET_CACHE_SECONDS = 60;

export function createSecretsManagerStore(options: {
  client: SecretsManagerClient;
  /** Every secret Rondo reads is under this prefix (IAM allows no other). */
  prefix: string;
  maxAgeSeconds?: number;
}): SecretStore {
  const provider = new SecretsProvider({ awsSdkV3Client: options.client });
  const maxAge = options.maxAgeSeconds ?? DEFAULT_SECRET_CACHE_SECONDS;
  return {
    async get(name) {
      try {
        const value = await provider.get(`${options.prefix}${name}`, { maxAge });
        if (value === undefined || typeof value === 'string') return value;
        return Buffer.from(value as Uint8Array).toString('utf8');
      } catch (error) {
        const cause =
          error instanceof GetParameterError ? (error.cause as { name?: string } | undefined) : undefined;
        if (cause?.name === 'ResourceNotFoundException') return undefined;
        throw error;
      }
    },
  };
}
