/**
 * Strict reading of JSON log lines. `JSON.parse` quietly keeps the last of two equal keys, so a line like
 * `{"pid":1,"pid":1}` parses fine while jq users and log shippers see a malformed record. `duplicateKeys`
 * walks the text with its own small tokenizer and names every key that occurs twice in one object, at any
 * depth; `checkLogLines` applies it (and JSON.parse) to each line of a log text.
 */

/** Keys that occur more than once in the same object of `text` (path-qualified, e.g. `pid` or `err.code`). */
export function duplicateKeys(text: string): string[] {
  let i = 0;
  const found: string[] = [];
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new Error(`json: ${what} at offset ${i}`);
  };
  const str = (): string => {
    if (text[i] !== '"') fail('expected a string');
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        const key = str();
        const where = path ? `${path}.${key}` : key;
        if (seen.has(key)) found.push(where);
        seen.add(key);
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        value(where);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return void i++;
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return void i++;
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return void str();
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail('unexpected token');
    i += m![0].length;
  };
  value('');
  ws();
  if (i !== text.length) fail('trailing text');
  return found;
}

export interface LogLineProblem {
  line: number;
  problem: string;
  text: string;
}

/** Every non-empty line must be one JSON object with unique keys; returns what is wrong, line by line. */
export function checkLogLines(text: string): { lines: number; problems: LogLineProblem[] } {
  const problems: LogLineProblem[] = [];
  let lines = 0;
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    lines++;
    const at = { line: index + 1, text: raw.slice(0, 300) };
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      return void problems.push({ ...at, problem: `not JSON: ${(error as Error).message}` });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return void problems.push({ ...at, problem: 'not a JSON object' });
    const dups = duplicateKeys(raw);
    if (dups.length > 0) problems.push({ ...at, problem: `duplicate keys: ${dups.join(', ')}` });
  });
  return { lines, problems };
}
