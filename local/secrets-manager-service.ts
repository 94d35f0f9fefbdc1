// Secrets Manager's GetSecretValue for the embedded runtime (awsJson 1.1, target
// `secretsmanager.GetSecretValue`), so that handlers read task secrets through the same
// adapter as in AWS. Values come from the runtime's options, a JSON file of
// `{ "NAME": "value" }` (`.rondo/secrets.json` for `npm start`), or the environment
// (`RONDO_SECRET_<NAME>`, the name upper-cased with other characters as `_`). Names are
// looked up under the runtime's secret prefix, as IAM limits them in AWS.
import { existsSync, readFileSync } from 'node:fs';
import { AwsServiceError, type JsonOperation } from './aws-endpoint.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './constants.ts';

export const LOCAL_SECRET_PREFIX = 'rondo/local/';

export const secretEnvironmentName = (name: string) =>
  `RONDO_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

export class LocalSecretsManager {
  readonly #secrets: Record<string, string>;
  readonly #env: Record<string, string | undefined>;

  constructor(options: {
    secrets?: Record<string, string>;
    file?: string;
    env?: Record<string, string | undefined>;
  }) {
    const fromFile =
      options.file && existsSync(options.file)
        ? (JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, unknown>)
        : {};
    for (const [name, value] of Object.entries(fromFile)) {
      if (typeof value !== 'string') throw new Error(`${options.file}: secret '${name}' must be a string`);
    }
    this.#secrets = { ...(fromFile as Record<string, string>), ...options.secrets };
    this.#env = options.env ?? process.env;
  }

  operations(): Record<string, JsonOperation> {
    return {
      GetSecretValue: (input) => {
        const id = String(input.SecretId ?? '');
        const name = id.startsWith(LOCAL_SECRET_PREFIX) ? id.slice(LOCAL_SECRET_PREFIX.length) : undefined;
        const value =
          name === undefined ? undefined : (this.#secrets[name] ?? this.#env[secretEnvironmentName(name)]);
        if (value === undefined) {
          throw new AwsServiceError(
            'ResourceNotFoundException',
            "Secrets Manager can't find the specified secret.",
          );
        }
        return {
          ARN: `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${id}-local`,
          Name: id,
          SecretString: value,
          VersionId: 'local',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 0,
        };
      },
    };
  }
}
