/* eslint-disable no-control-regex -- these properties are about control characters */
/**
 * Issue 14: property-based fuzzing (fast-check) of what comes from outside — intake fields, evidence
 * URLs, JSON-lines files, provider payloads — and of what is printed for a terminal. For every input:
 * no C0/C1/DEL/bidi control in what is stored or shown; accept or refuse, all or nothing; work bounded
 * by the input's size (counted, not timed). A few hundred runs per property keep the suite fast.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forTerminal, table } from '../../src/cli/output.js';
import { parseIdeasText } from '../../src/cli/ideas.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { jsonForTerminal, mapStrings, stripControls, visibleControls } from '../../src/core/terminal-text.js';
import { rawLimit, sanitizeIdea, stripMarkup } from '../../src/pipeline/ideas/sanitize.js';
import { htmlToText } from '../../src/providers/web-search/html.js';
import { createWebSearch } from '../../src/providers/web-search/index.js';

const RUNS = { numRuns: 300 };
/** What a terminal obeys: C0 but tab and newline, DEL, C1, bidi embeddings/overrides/isolates. */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
/** The same, newline and tab included (one-line output). */
const CONTROL_OR_LINE = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

/** Characters an attacker would reach for, spelled raw and as HTML entities. */
const hostileChar = fc.constantFrom(
  '\x1b', '\x07', '\x00', '\r', '\n', '\t', '\x7f', '\u009b', '\u009d', '\u0085', '\u202e', '\u2066', '\u2069',
  '&#27;', '&#x1b;', '&#155;', '&#x202E;', '&amp;#27;', '&#13;', '[2J', ']8;;', '<', '>', '<script>', '</script>', '<!--', '-->', '&lt;script&gt;',
  'javascript:', ' ', 'a', 'é', '✓', 'scam',
);
/** Text mixing ordinary words with hostile pieces. */
const hostileText = fc.array(fc.oneof(hostileChar, fc.string({ maxLength: 8 }), fc.constantFrom('market demand ', 'bakery pickup ', 'for freelancers ')), { maxLength: 40 }).map((parts) => parts.join(''));
/** Any unicode text, controls included. */
const anyText = fc.string({ unit: 'binary', maxLength: 200 });

const storedStrings = (idea: NonNullable<ReturnType<typeof sanitizeIdea>['idea']>) => [idea.title, idea.description, idea.problem, idea.solution, idea.market, idea.createdBy, ...idea.evidenceLinks].filter((x): x is string => typeof x === 'string');

describe('fuzz: intake fields', () => {
  it('stores no control, refuses all or nothing, and says why in text without controls', () => {
    fc.assert(
      fc.property(fc.record({ title: fc.oneof(hostileText, anyText), description: fc.oneof(hostileText, anyText), problem: fc.option(hostileText), market: fc.option(anyText), createdBy: fc.option(hostileText) }), (input) => {
        const result = sanitizeIdea({ ...input, title: `Idea ${input.title}`, description: `Described as ${input.description}` });
        // all or nothing: either an idea and no problem, or no idea and at least one problem
        expect(result.idea === null).toBe(result.problems.length > 0);
        if (result.idea) for (const text of storedStrings(result.idea)) expect(text).not.toMatch(CONTROL);
        for (const line of [...result.problems, ...result.warnings]) expect(line).not.toMatch(CONTROL_OR_LINE);
      }),
      RUNS,
    );
  });

  it('does work bounded by the size of the input (characters examined <= 12 per character)', () => {
    fc.assert(
      fc.property(fc.array(hostileChar, { maxLength: 400 }).map((p) => p.join('')), (text) => {
        const work = { steps: 0 };
        stripMarkup(text, work);
        expect(work.steps).toBeLessThanOrEqual(12 * text.length + 10);
      }),
      RUNS,
    );
  });

  it('refuses a field over its raw limit without looking at it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), hostileChar, (times, piece) => {
        const description = piece.repeat(Math.ceil((rawLimit(5000) + times) / piece.length));
        const result = sanitizeIdea({ title: 'A fine title here', description });
        expect(result.idea).toBeNull();
        expect(result.problems[0]).toMatch(/before clean-up; at most 20000 are read/);
      }),
      { numRuns: 50 },
    );
  });
});

describe('fuzz: evidence URLs', () => {
  it('keeps only http(s) links without controls or spaces, and echoes refused ones visibly', () => {
    const link = fc.oneof(
      fc.webUrl(),
      fc.tuple(fc.constantFrom('https://e.com/', 'http://e.com/a?', 'javascript:', 'data:', 'ftp://x/', ''), hostileText).map(([a, b]) => a + b),
    );
    fc.assert(
      fc.property(fc.array(link, { maxLength: 12 }), (links) => {
        const result = sanitizeIdea({ title: 'Evidence for a fine title', description: 'A description of the idea with words', evidence: links });
        expect(result.idea === null).toBe(result.problems.length > 0);
        for (const accepted of result.idea?.evidenceLinks ?? []) {
          expect(accepted).toMatch(/^https?:\/\//);
          expect(accepted).not.toMatch(CONTROL_OR_LINE);
          expect(accepted).not.toMatch(/\s/);
        }
        for (const line of [...result.problems, ...result.warnings]) expect(line).not.toMatch(CONTROL_OR_LINE);
      }),
      RUNS,
    );
  });
});

describe('fuzz: JSON-lines files', () => {
  it('every line is one item, an idea or a refusal, and nothing else throws', () => {
    const line = fc.oneof(
      fc.record({ title: hostileText, description: hostileText, created_by: fc.option(hostileText) }).map((o) => JSON.stringify(o)),
      anyText.filter((t) => !t.includes('\n')),
      fc.constantFrom('[', '{', '{"title": 1}', 'null', '[]', '"x"'),
    );
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 10 }), (lines) => {
        const text = lines.join('\n');
        let items: ReturnType<typeof parseIdeasText>;
        try {
          items = parseIdeasText(text);
        } catch (error) {
          // only a whole-input refusal is allowed: empty input, or a JSON array that does not parse
          expect(error).toBeInstanceOf(InvalidInputError);
          return;
        }
        for (const item of items) {
          if (item.error) continue;
          const result = sanitizeIdea(item.input);
          expect(result.idea === null).toBe(result.problems.length > 0);
          if (result.idea) for (const stored of storedStrings(result.idea)) expect(stored).not.toMatch(CONTROL);
        }
      }),
      RUNS,
    );
  });
});

describe('fuzz: terminal output', () => {
  it('println text, table cells, error lines and JSON never carry a raw control', () => {
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        expect(forTerminal(a)).not.toMatch(CONTROL);
        expect(table(['x', 'y'], [[a, b]])).not.toMatch(CONTROL);
        expect(visibleControls(a, { singleLine: true })).not.toMatch(CONTROL_OR_LINE);
        const json = jsonForTerminal(JSON.stringify({ a, b }));
        expect(json).not.toMatch(CONTROL_OR_LINE);
        expect(JSON.parse(json)).toEqual({ a, b }); // still exact data
      }),
      RUNS,
    );
  });
});

describe('fuzz: provider payloads', () => {
  let server: Server;
  let answer = '{}';
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(answer);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('web search results are stored without controls, through the real HTTP path', async () => {
    const search = createWebSearch({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/search` });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ title: fc.oneof(hostileText, anyText), snippet: fc.oneof(hostileText, anyText) }), { minLength: 1, maxLength: 3 }), async (results) => {
        answer = JSON.stringify({ results: results.map((r, i) => ({ ...r, url: `https://example.com/${i}` })) });
        const hits = await search.search('bakery', 'market_research', 5);
        expect(hits.length).toBe(results.length);
        for (const hit of hits) {
          expect(hit.title).not.toMatch(CONTROL_OR_LINE);
          expect(hit.excerpt).not.toMatch(CONTROL_OR_LINE);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('fetched pages and model answers are cleaned the way they are stored', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(hostileChar, anyText), { maxLength: 30 }).map((p) => p.join('')), (html) => {
        const page = htmlToText(html);
        expect(stripControls(page.text)).not.toMatch(CONTROL);
        expect(stripControls(page.title ?? '')).not.toMatch(CONTROL);
        const answer = mapStrings({ slides: [{ title: html, bullets: [html] }], score: 1 }, stripControls);
        expect(JSON.stringify(answer)).not.toMatch(/\\u00(0[0-8]|0b|0c|0e|0f|1[0-9a-f])/);
        expect(answer.slides[0]!.title).not.toMatch(CONTROL);
      }),
      RUNS,
    );
  });
});
