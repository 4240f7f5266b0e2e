/**
 * Input handling for new ideas, exactly as docs/domain.md says: strip markup and script, collapse whitespace,
 * drop javascript:/data:/vbscript:/file: URLs, store plain text (entities decoded). Reject (nothing
 * stored): lengths out of bounds, control characters other than newline and tab, blocked words. Warn (stored):
 * repeated characters x5+, 10+ capitals in a row, "buy now"/"click here", a description under 5 words, a
 * title and description sharing no word. Pure: no database, no clock.
 */
import { findControl, hasControl, visibleControls } from '../../core/terminal-text.js';
import { CATEGORIES, type IdeaCategory, type IdeaFields } from '../../core/types.js';

export interface IdeaInput {
  title?: unknown;
  description?: unknown;
  category?: unknown;
  problem?: unknown;
  solution?: unknown;
  market?: unknown;
  evidence?: unknown;
  createdBy?: unknown;
}

export type CleanIdea = IdeaFields;

export interface SanitizeResult {
  idea: CleanIdea | null;
  /** Why the idea is refused; empty when accepted. */
  problems: string[];
  /** Stored anyway, but worth a look. */
  warnings: string[];
}

export const BLOCKED_WORDS = ['spam', 'scam', 'fraud', 'fake', 'phishing'];
const BLOCKED = new RegExp(`\\b(${BLOCKED_WORDS.join('|')})\\b`, 'i');
const DANGEROUS_URL = /\b(?:javascript|data|vbscript|file):[^\s"'<>]*/gi;

const LIMITS = {
  title: [10, 200],
  description: [10, 5000],
  problem: [0, 1000],
  solution: [0, 1000],
  market: [0, 500],
  createdBy: [0, 100],
} as const;

/** How much of a field is read before clean-up: markup may make it longer than its limit, not unboundedly. */
export const rawLimit = (max: number): number => Math.max(1000, max * 4);

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/** Decode HTML entities (named basics and numeric). Bounded: an entity body is at most 10 characters. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,8}|#\d{1,8}|[a-z]{1,8}\d?);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return NAMED[body.toLowerCase()] ?? whole;
  });
}

/** Elements removed with their content. */
const DANGEROUS_ELEMENTS = new Set(['script', 'style', 'iframe', 'object', 'embed']);
const WORD_CHAR = /\w/;
const TAG_START = /[a-z!]/i;

/**
 * One pass of markup removal, linear in the text: each search (for ">", "-->", a closing tag) remembers
 * what it found, and positions only move forward, so no character is scanned more than a few times
 * whatever the markup — unclosed tags, a run of "<script " included.
 */
function stripOnce(text: string, work: { steps: number }): string {
  let out = '';
  // the last answer of each search: [where it started, what it found (-1: nothing from there on)]
  const memo = new Map<string, [number, number]>();
  const search = (key: string, start: number, find: (at: number) => number): number => {
    const last = memo.get(key);
    if (last && last[0] <= start && (last[1] === -1 || last[1] >= start)) return last[1];
    const result = find(start);
    work.steps += (result < 0 ? text.length : result) - start; // characters that search looked at
    memo.set(key, [start, result]);
    return result;
  };
  const indexOf = (needle: string, start: number) => search(needle, start, (s) => text.indexOf(needle, s));
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    work.steps += 1 + (lt < 0 ? text.length : lt) - i;
    if (lt < 0) {
      out += text.slice(i);
      break;
    }
    if (lt > i) out += text.slice(i, lt);
    if (text.startsWith('<!--', lt)) {
      const end = indexOf('-->', lt + 4);
      if (end >= 0) {
        out += ' ';
        i = end + 3;
        continue;
      }
    }
    // "<" [spaces] name: an element removed with its content?
    let j = lt + 1;
    while (j < text.length && j - lt <= 16 && isSpace(text.charCodeAt(j))) j++;
    const name = elementName(text, j);
    if (name && DANGEROUS_ELEMENTS.has(name) && !WORD_CHAR.test(text[j + name.length] ?? ' ')) {
      const gt = indexOf('>', j);
      if (gt < 0) {
        out += text.slice(lt); // no ">" anywhere after: not a tag, and nothing after is one
        break;
      }
      const close = search(`</${name}`, gt + 1, (s) => {
        const re = new RegExp(`<\\s{0,16}\\/\\s{0,16}${name}\\s{0,16}>`, 'gi');
        re.lastIndex = s;
        const m = re.exec(text);
        return m ? m.index + m[0].length : -1;
      });
      out += ' ';
      i = close >= 0 ? close : gt + 1; // unclosed: only the opening tag goes
      continue;
    }
    const next = text[lt + 1] === '/' ? text[lt + 2] : text[lt + 1];
    if (next !== undefined && TAG_START.test(next)) {
      const gt = indexOf('>', lt);
      if (gt < 0) {
        out += text.slice(lt);
        break;
      }
      out += ' ';
      i = gt + 1;
      continue;
    }
    out += '<';
    i = lt + 1;
  }
  return out;
}

const isSpace = (code: number) => code === 32 || (code >= 9 && code <= 13);

/** The lower-case letters (at most 6) starting at `at`. */
function elementName(text: string, at: number): string {
  let end = at;
  while (end < text.length && end - at < 6) {
    const code = text.charCodeAt(end) | 0x20;
    if (code < 97 || code > 122) break;
    end++;
  }
  return text.slice(at, end).toLowerCase();
}

/**
 * Plain text from what may be HTML: entities decoded, script/style with their content and every tag removed.
 * `work.steps` (optional) counts the characters examined, so tests can check the work is linear.
 */
export function stripMarkup(text: string, work: { steps: number } = { steps: 0 }): string {
  let current = text;
  // entities may hide markup ("&lt;script&gt;"), and markup may hide entities: a few passes, each linear
  for (let i = 0; i < 5; i++) {
    const next = stripOnce(decodeEntities(current), work);
    if (next === current) break;
    current = next;
  }
  return current.replace(DANGEROUS_URL, ' ');
}

function collapse(text: string, multiline: boolean): string {
  if (!multiline) return text.replace(/\s+/g, ' ').trim();
  return text
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function wordSet(text: string): Set<string> {
  const stop = new Set(['a', 'an', 'the', 'and', 'or', 'of', 'for', 'to', 'in', 'on', 'with', 'by', 'is', 'it', 'at', 'as']);
  return new Set((text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !stop.has(w)));
}

/** Sanitise and check one idea. */
export function sanitizeIdea(input: IdeaInput): SanitizeResult {
  const problems: string[] = [];
  const warnings: string[] = [];

  const field = (name: keyof typeof LIMITS, raw: unknown, label: string, multiline: boolean): string | null => {
    if (raw === undefined || raw === null || raw === '') return null;
    if (typeof raw !== 'string') {
      problems.push(`${label} must be text`);
      return null;
    }
    const [min, max] = LIMITS[name];
    // the size is capped before any pattern work, so no input costs more than a bounded amount of time
    if (raw.length > rawLimit(max)) {
      problems.push(`${label} is ${raw.length} characters before clean-up; at most ${rawLimit(max)} are read (${max} after clean-up)`);
      return null;
    }
    // entities are decoded first, so "&#27;" is checked as the ESC it becomes
    const decoded = stripMarkup(raw).replace(/\r\n?/g, '\n');
    const control = findControl(decoded);
    if (control) {
      problems.push(`${label} contains a control character, ${control} (only newline and tab are allowed)`);
      return null;
    }
    const clean = collapse(decoded, multiline);
    if (clean.length > max) problems.push(`${label} is ${clean.length} characters; at most ${max} are allowed`);
    else if (clean.length < min) problems.push(`${label} is ${clean.length} characters after clean-up; at least ${min} are needed`);
    const blocked = BLOCKED.exec(clean);
    if (blocked) problems.push(`${label} contains the blocked word "${blocked[1]!.toLowerCase()}"`);
    return clean;
  };

  const title = field('title', input.title, 'title', false);
  if (title === null && !problems.some((p) => p.startsWith('title'))) problems.push('title is required (10-200 characters)');
  const description = field('description', input.description, 'description', true);
  if (description === null && !problems.some((p) => p.startsWith('description'))) problems.push('description is required (10-5000 characters)');
  const problem = field('problem', input.problem, 'problem statement', true);
  const solution = field('solution', input.solution, 'solution description', true);
  const market = field('market', input.market, 'target market', true);
  const createdBy = field('createdBy', input.createdBy, 'created_by', false);

  let category: IdeaCategory = 'uncategorized';
  if (input.category !== undefined && input.category !== null && input.category !== '') {
    const value = String(input.category).trim().toLowerCase();
    if ((CATEGORIES as readonly string[]).includes(value)) category = value as IdeaCategory;
    else problems.push(`category "${visibleControls(String(input.category).slice(0, 40), { singleLine: true })}" is not one of ${CATEGORIES.join(', ')}`);
  }

  const evidenceLinks: string[] = [];
  const rawLinks = input.evidence === undefined || input.evidence === null ? [] : Array.isArray(input.evidence) ? input.evidence : String(input.evidence).split(',');
  if (rawLinks.length > 50) problems.push(`${rawLinks.length} evidence links given; at most 10 are allowed`);
  for (const raw of rawLinks.slice(0, 50)) {
    const link = String(raw).trim();
    if (!link) continue;
    // a link is echoed in messages and stored warnings: shown with its controls visible, at most 60 characters
    const shown = visibleControls(link.slice(0, 60), { singleLine: true });
    if (link.length > 2000) {
      problems.push(`evidence link "${shown}…" is ${link.length} characters; at most 2000 are allowed`);
      continue;
    }
    if (hasControl(link) || /[\s\u2028\u2029]/.test(link)) {
      problems.push(`evidence link "${shown}" contains spaces or control characters`);
      continue;
    }
    if (/^(javascript|data|vbscript|file):/i.test(link)) {
      warnings.push(`evidence link "${visibleControls(link.slice(0, 30), { singleLine: true })}…" dropped (${link.split(':')[0]!.toLowerCase()}: URLs are not allowed)`);
      continue;
    }
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      problems.push(`evidence link "${shown}" is not a URL (use http:// or https://)`);
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push(`evidence link "${shown}" is not http(s)`);
      continue;
    }
    if (!evidenceLinks.includes(url.href)) evidenceLinks.push(url.href);
  }
  if (evidenceLinks.length > 10) problems.push(`${evidenceLinks.length} evidence links; at most 10 are allowed`);

  if (problems.length > 0 || title === null || description === null) return { idea: null, problems, warnings };

  const all = [title, description, problem, solution, market].filter((x): x is string => Boolean(x));
  if (all.some((t) => /(.)\1{4,}/u.test(t))) warnings.push('a character is repeated 5 or more times in a row');
  if (all.some((t) => /[A-Z]{10,}/.test(t))) warnings.push('10 or more capital letters in a row');
  if (all.some((t) => /\b(buy now|click here)\b/i.test(t))) warnings.push('contains "buy now" or "click here"');
  if ((description.match(/[\p{L}\p{N}]+/gu) ?? []).length < 5) warnings.push('description is under 5 words');
  const titleWords = wordSet(title);
  const descriptionWords = wordSet(description);
  if (![...titleWords].some((w) => descriptionWords.has(w))) warnings.push('title and description share no word');

  return {
    idea: { title, description, category, problem, solution, market, evidenceLinks, createdBy: createdBy || 'unknown' },
    problems,
    warnings,
  };
}
