// Secret references in task configs: `{{secret:NAME}}` anywhere in a string is replaced,
// just before the executor runs, by the value of the secret NAME (under Rondo's prefix).
// Only the executor sees values: definitions and instances keep the reference, and what an
// attempt returns (outputs, logs, its error) has every value replaced by `***` before it is
// stored, as CI systems mask their secrets.

import { randomUUID } from 'node:crypto';

export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,256}$/;
const REFERENCE = /\{\{secret:([A-Za-z0-9/_+=.@-]{1,256})\}\}/g;
export const REDACTED = '***';

/**
 * The task's own references, set apart before templates are rendered: each becomes a
 * placeholder no rendered value can forge (a random marker per attempt), so a
 * `{{secret:…}}` that arrives through a parameter, an upstream output or a for-each item is
 * plain text, never resolved. Answers the config with placeholders and what each stands for.
 */
export function protectSecretReferences<T>(value: T): { value: T; references: Map<string, string> } {
  const nonce = randomUUID();
  const references = new Map<string, string>();
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return v.replace(REFERENCE, (_, name: string) => {
        const placeholder = `\u0000rondo-secret:${nonce}:${references.size}\u0000`;
        references.set(placeholder, name);
        return placeholder;
      });
    }
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return { value: visit(value) as T, references };
}

/** Replaces each placeholder by its secret's value (`values` by secret name). */
export function revealSecrets<T>(
  value: T,
  references: Map<string, string>,
  values: Record<string, string>,
): T {
  if (references.size === 0) return value;
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') {
      let out = v;
      for (const [placeholder, name] of references) out = out.split(placeholder).join(values[name] ?? '');
      return out;
    }
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return visit(value) as T;
}

/**
 * The value with every occurrence of each secret value replaced by `***`, in strings at any
 * depth (object keys included). Longer values go first, so a secret containing another is
 * masked whole. Values shorter than 4 characters are not masked: they would mask ordinary text.
 */
export function redactSecrets<T>(value: T, secretValues: string[]): T {
  // The value as written, and as it shows up escaped in a URL or in JSON text.
  const forms = secretValues.flatMap((s) => [
    s,
    encodeURIComponent(s),
    encodeURI(s),
    JSON.stringify(s).slice(1, -1),
  ]);
  const masks = [...new Set(forms)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  if (masks.length === 0) return value;
  const mask = (text: string) => masks.reduce((out, secret) => out.split(secret).join(REDACTED), text);
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return mask(v);
    if (Array.isArray(v)) return v.map(visit);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [mask(k), visit(x)]));
    return v;
  };
  return visit(value) as T;
}
