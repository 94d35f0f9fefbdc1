// Secret references in task configs: `{{secret:NAME}}` anywhere in a string is replaced,
// just before the executor runs, by the value of the secret NAME (under Rondo's prefix).
// Only the executor sees values: definitions and instances keep the reference, and what an
// attempt returns (outputs, logs, its error) has every value replaced by `***` before it is
// stored, as CI systems mask their secrets.

export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,256}$/;
const REFERENCE = /\{\{secret:([A-Za-z0-9/_+=.@-]{1,256})\}\}/g;
export const REDACTED = '***';

/** The secret names a value refers to (each once, in order of appearance). */
export function secretReferences(value: unknown): string[] {
  const names = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string') for (const match of v.matchAll(REFERENCE)) names.add(match[1] ?? '');
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return [...names];
}

/** The value with every reference replaced by its secret (every name must be in `secrets`). */
export function substituteSecrets<T>(value: T, secrets: Record<string, string>): T {
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(REFERENCE, (_, name: string) => secrets[name] ?? '');
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
  const masks = [...new Set(secretValues)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
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
