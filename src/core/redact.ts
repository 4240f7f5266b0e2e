/**
 * Secrets never reach a log, a screen, a report or a file name. Redaction works two ways: by key name
 * (anything called like a key, token, password or secret) and by pattern (credentials inside URLs, bearer
 * tokens, OpenAI-style keys), so a secret is caught even inside an error message.
 */

const SECRET_KEY = /(pass(word)?|secret|token|api[-_]?key|apikey|authorization|auth[-_]?header|cookie|routing[-_]?key|private[-_]?key|developer[-_]?token|refresh[-_]?token|client[-_]?secret)$/i;

const PATTERNS: Array<[RegExp, string]> = [
  // user:password@ in any URL (postgres://, smtp://, https://)
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, '$1[REDACTED]@'],
  [/\b(sk|pk|rk|phc|phx)[-_][A-Za-z0-9_-]{8,}/g, '[REDACTED]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [REDACTED]'],
  [/\bhooks\.slack\.com\/services\/[A-Za-z0-9/]+/g, 'hooks.slack.com/services/[REDACTED]'],
  [/([?&](?:key|api_key|apikey|token|access_token|password)=)[^&\s]+/gi, '$1[REDACTED]'],
];

/** Whether a property name is one whose value must never be shown. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** The text with every credential-looking part replaced by [REDACTED]. */
export function redactText(text: string, extraSecrets: readonly string[] = knownSecrets): string {
  let out = text;
  for (const secret of extraSecrets) {
    if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** A deep copy with secret keys and secret-looking strings redacted. Cycles and depth are bounded. */
export function redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8 || seen.has(value)) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
  if (value instanceof Error) {
    return { type: value.name, message: redactText(value.message), stack: value.stack ? redactText(value.stack) : undefined };
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretKey(key) && item !== undefined && item !== null && item !== '' ? '[REDACTED]' : redactValue(item, depth + 1, seen);
  }
  return out;
}

/** Values of configured secrets, registered at start-up so they are scrubbed verbatim wherever they appear. */
const knownSecrets: string[] = [];

export function registerSecrets(values: ReadonlyArray<string | undefined>): void {
  for (const value of values) if (value && value.length >= 4 && !knownSecrets.includes(value)) knownSecrets.push(value);
}
