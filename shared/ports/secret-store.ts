// Where task secrets come from: AWS Secrets Manager under Rondo's prefix (the embedded
// runtime answers the same API from a local file and the environment).

export type SecretStore = {
  /** The secret's value, or undefined when no secret has that name. */
  get(name: string): Promise<string | undefined>;
};
