/**
 * Input handling for new ideas, exactly as docs/domain.md says: strip markup and script, collapse whitespace,
 * drop javascript:/data:/vbscript:/file: URLs, store plain text (entities decoded). Reject (nothing
 * stored): lengths out of bounds, control characters other than newline and tab, blocked words. Warn (stored):
 * repeated characters x5+, 10+ capitals in a row, "buy now"/"click here", a description under 5 words, a
 * title and description sharing no word. Pure: no database, no clock.
 */
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
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const DANGEROUS_URL = /\b(?:javascript|data|vbscript|file):[^\s"'<>]*/gi;

const LIMITS = {
  title: [10, 200],
  description: [10, 5000],
  problem: [0, 1000],
  solution: [0, 1000],
  market: [0, 500],
  createdBy: [0, 100],
} as const;

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/** Decode HTML entities (named basics and numeric). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return NAMED[body.toLowerCase()] ?? whole;
  });
}

/** Plain text from what may be HTML: entities decoded, script/style with their content and every tag removed. */
export function stripMarkup(text: string): string {
  let current = text;
  for (let i = 0; i < 5; i++) {
    const next = decodeEntities(current)
      .replace(/<\s*(script|style|iframe|object|embed)\b[\s\S]*?<\s*\/\s*\1\s*>/gi, ' ')
      .replace(/<\s*(script|style|iframe|object|embed)\b[^>]*>/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<\/?[a-z!][^>]*>/gi, ' ');
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
    const normalised = raw.replace(/\r\n?/g, '\n');
    if (CONTROL.test(normalised)) {
      problems.push(`${label} contains control characters (only newline and tab are allowed)`);
      return null;
    }
    const clean = collapse(stripMarkup(normalised), multiline);
    const [min, max] = LIMITS[name];
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
    else problems.push(`category "${String(input.category).slice(0, 40)}" is not one of ${CATEGORIES.join(', ')}`);
  }

  const evidenceLinks: string[] = [];
  const rawLinks = input.evidence === undefined || input.evidence === null ? [] : Array.isArray(input.evidence) ? input.evidence : String(input.evidence).split(',');
  for (const raw of rawLinks) {
    const link = String(raw).trim();
    if (!link) continue;
    if (/^(javascript|data|vbscript|file):/i.test(link)) {
      warnings.push(`evidence link "${link.slice(0, 30)}…" dropped (${link.split(':')[0]!.toLowerCase()}: URLs are not allowed)`);
      continue;
    }
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      problems.push(`evidence link "${link.slice(0, 60)}" is not a URL (use http:// or https://)`);
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push(`evidence link "${link.slice(0, 60)}" is not http(s)`);
      continue;
    }
    if (CONTROL.test(link) || /\s/.test(link)) {
      problems.push(`evidence link "${link.slice(0, 60)}" contains spaces or control characters`);
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
