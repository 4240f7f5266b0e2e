/* eslint-disable no-control-regex -- these tests are about control characters */
import { describe, expect, it } from 'vitest';
import { findControl, jsonForTerminal, mapStrings, stripControls, visibleControls } from '../../src/core/terminal-text.js';
import { sanitizeIdea, stripMarkup } from '../../src/pipeline/ideas/sanitize.js';

const ok = { title: 'Invoice chasing for freelancers', description: 'Automatic invoice reminders for freelancers who hate chasing' };

describe('terminal text', () => {
  it('shows C0, DEL, C1 and bidi controls as escapes, keeping newline and tab unless single-line', () => {
    expect(visibleControls('a\x1b[2Jb\u009b31m\u202eevil\u2066\x7f\x00')).toBe('a\\x1b[2Jb\\x9b31m\\u202eevil\\u2066\\x7f\\x00');
    expect(visibleControls('line\none\tcol')).toBe('line\none\tcol');
    expect(visibleControls('line\none\tcol\r', { singleLine: true })).toBe('line\\x0aone\\x09col\\x0d');
    expect(visibleControls('plain text, accents é and emoji ✓')).toBe('plain text, accents é and emoji ✓');
    // invisible format characters too (the CLI printed them raw), a joiner inside an emoji sequence kept
    expect(visibleControls('r\u200fl\u200e a\u061c z\u200b j\u200dx 👩\u200d💻', { singleLine: true })).toBe('r\\u200fl\\u200e a\\u061c z\\u200b j\\u200dx 👩\u200d💻');
    // but they are text, not controls: intake takes them and provider text keeps them
    expect(stripControls('r\u200fl')).toBe('r\u200fl');
    expect(findControl('r\u200fl')).toBeNull();
  });

  it('strips controls from provider text and names the first one for refusals', () => {
    expect(stripControls('Title\x1b]8;;http://evil\x07 \u009b2J ok\r\nnext')).toBe('Title]8;;http://evil 2J ok\nnext');
    expect(findControl('fine\ttext\n')).toBeNull();
    expect(findControl('x\u009by')).toBe('CSI (U+009B)');
    expect(findControl('x\u202ey')).toBe('bidi control (U+202E)');
  });

  it('keeps JSON exact while escaping what JSON.stringify leaves raw', () => {
    const value = { title: 'a\x1bb\u009bc\u202ed' };
    const json = jsonForTerminal(JSON.stringify(value));
    expect(json).not.toMatch(/[\x1b\u009b\u202e]/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('maps every string of a view, keeping dates', () => {
    const at = new Date(0);
    expect(mapStrings({ a: ['x\x1b'], at, n: 1 }, (s) => visibleControls(s))).toEqual({ a: ['x\\x1b'], at, n: 1 });
  });
});

describe('intake refuses controls after decoding entities (issue 14, item 1)', () => {
  it('refuses ESC written as an entity, double-encoded, hex, and C1 and bidi controls', () => {
    for (const title of ['x &#27;[2J&#27;[31mRED&#27;[0m ok title', 'x &amp;#27;[2J double encoded title', 'x &#x1b;[2J hex encoded title', 'one byte \u009b2J CSI title', 'right to left \u202e override title', 'entity C1 &#155;2J title here']) {
      const result = sanitizeIdea({ ...ok, title });
      expect(result.idea, title).toBeNull();
      expect(result.problems.join(' '), title).toMatch(/title contains a control character/);
    }
  });

  it('echoes an evidence link with its controls visible, in refusals and in stored warnings', () => {
    const refused = sanitizeIdea({ ...ok, evidence: 'https://e.com/\x1b]8;;x\x07' });
    expect(refused.problems.join('')).toContain('\\x1b]8;;x\\x07');
    expect(refused.problems.join('')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    const dropped = sanitizeIdea({ ...ok, evidence: 'javascript:\u009b2J' });
    expect(dropped.problems.join('') + dropped.warnings.join('')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });
});

describe('markup stripping is linear (issue 14, item 3)', () => {
  // the work (characters examined, counted by stripMarkup) is compared between sizes n and 4n: linear
  // work grows ~4x; the old regular expressions grew ~16x. Times are in bench/, not asserted here.
  const steps = (text: string) => {
    const work = { steps: 0 };
    stripMarkup(text, work);
    return work.steps;
  };
  const shapes: Array<[string, (n: number) => string]> = [
    ['<script ', (n) => '<script '.repeat(n)],
    ['<script>', (n) => '<script>'.repeat(n)],
    ['<script>x</scrip', (n) => '<script>x</scrip'.repeat(n)],
    ['<a ', (n) => '<a '.repeat(n)],
    ['<!--', (n) => '<!--<a'.repeat(n)],
    ['&#', (n) => '&#x1'.repeat(n)],
    ['&lt;script', (n) => '&lt;script&gt;&amp;lt;'.repeat(n)],
    ['< script', (n) => `<${' '.repeat(15)}script x>`.repeat(n)],
  ];
  for (const [name, make] of shapes) {
    it(`does work linear in the size on a run of "${name}"`, () => {
      const small = make(2_000);
      const large = make(8_000);
      expect(steps(large) / steps(small)).toBeLessThan(4.5);
      expect(steps(large) / large.length).toBeLessThan(12); // a few looks per character, over at most 5 passes
    });
  }

  it('refuses a field far over its limit before any pattern work', () => {
    const result = sanitizeIdea({ ...ok, description: '<script '.repeat(60_000) });
    expect(result.idea).toBeNull();
    expect(result.problems[0]).toMatch(/description is 480000 characters before clean-up; at most 20000 are read/);
  });

  it('still strips script with its content, comments, tags and encoded markup', () => {
    expect(stripMarkup('a<script>alert(1)</script>b<!-- c -->d<b>e</b>&lt;script&gt;x&lt;/script&gt;f').replace(/\s+/g, '')).toBe('abdef');
    expect(stripMarkup('a < b and c > d')).toBe('a < b and c > d');
    expect(stripMarkup('x < SCRIPT src=y>z')).toBe('x  z');
  });
});

describe('provider text is cleaned when it comes in (issue 14, item 1)', () => {
  it('a web search result title and snippet with ESC/OSC/C1/bidi are stored without them', async () => {
    const { createServer } = await import('node:http');
    const { createWebSearch } = await import('../../src/providers/web-search/index.js');
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ results: [{ title: 'Market \x1b]8;;http://evil\x07size\x1b[2J \u009b31m\u202eexe', url: 'https://example.com/a', snippet: 'Demand <b>\x1b[31mgrows</b> \u2066fast\u2069' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as import('node:net').AddressInfo;
      const search = createWebSearch({ url: `http://127.0.0.1:${port}/search` });
      const [hit] = await search.search('bakery', 'market_research', 3);
      expect(hit!.title).toBe('Market ]8;;http://evilsize[2J 31mexe');
      expect(hit!.excerpt).toBe('Demand [31mgrows fast');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a provider error quoting its answer carries the controls visibly', async () => {
    const { ProviderError } = await import('../../src/core/errors.js');
    const error = new ProviderError('openai: refused: \x1b[2Jgone\nnext', { provider: 'openai' });
    expect(error.message).toBe('openai: refused: \\x1b[2Jgone\\x0anext');
  });
});

describe('the console data source (issue 14, item 1)', () => {
  it('withVisibleControls shows controls in every answer and progress message, keeping dates and numbers', async () => {
    const { withVisibleControls } = await import('../../src/core/terminal-text.js');
    const at = new Date(0);
    const messages: string[] = [];
    const api = withVisibleControls({
      ideaDetail: async () => ({ title: 'evil \x1b[2J', at, cost: 3, history: [{ reason: '\u009b31m' }] }),
      runJob: async (name: string, onProgress?: (m: string) => void) => {
        onProgress?.(`running ${name} \x1b]0;x\x07`);
        return { ok: true, message: 'done' };
      },
    });
    expect(await api.ideaDetail()).toEqual({ title: 'evil \\x1b[2J', at, cost: 3, history: [{ reason: '\\x9b31m' }] });
    await api.runJob('backup', (m) => messages.push(m));
    expect(messages).toEqual(['running backup \\x1b]0;x\\x07']);
  });

  it('withVisibleControls hands back an unchanged array or object as itself, and copies one it changes', async () => {
    const { withVisibleControls } = await import('../../src/core/terminal-text.js');
    const logs = [{ msg: 'plain', at: new Date(0) }, { msg: 'also plain' }];
    const hostile = [{ msg: 'evil \x1b[2J' }, { msg: 'plain' }];
    const api = withVisibleControls({ snapshot: async () => ({ logs, hostile }) });
    const first = await api.snapshot();
    const second = await api.snapshot();
    expect(first.logs).toBe(logs); // the console's content key compares these by identity
    expect(second.logs).toBe(first.logs);
    expect(first.hostile).not.toBe(hostile);
    expect(first.hostile).toEqual([{ msg: 'evil \\x1b[2J' }, { msg: 'plain' }]);
    expect(first.hostile[1]).toBe(hostile[1]);
    expect(hostile[0]!.msg).toBe('evil \x1b[2J'); // the original is not changed
  });

  it("withVisibleControls shows private-use characters (the console's live-cell marks) as U+FFFD", async () => {
    const { withVisibleControls } = await import('../../src/core/terminal-text.js');
    const api = withVisibleControls({ snapshot: async () => ({ title: 'clock \ue000\ue000\ue000 icon \uf8ff', plain: 'café ✓' }) });
    expect(await api.snapshot()).toEqual({ title: 'clock \ufffd\ufffd\ufffd icon \ufffd', plain: 'café ✓' });
  });

  it('withVisibleControls shows invisible format characters (bidi marks, zero-width space, a joiner outside emoji), keeping emoji sequences whole', async () => {
    const { withVisibleControls } = await import('../../src/core/terminal-text.js');
    const api = withVisibleControls({
      snapshot: async () => ({
        marks: 'Mixed \u200fRLM\u200e LRM \u061c ALM markers in a title',
        zero: 'zero\u200bwidth\u200djoiner\u2060word \ufeffbom',
        emoji: '👩\u200d💻 dev · 👩\u200d👩\u200d👧\u200d👦 family · ❤\ufe0f\u200d🔥 · 1\ufe0f\u20e3 · é',
      }),
    });
    expect(await api.snapshot()).toEqual({
      marks: 'Mixed \\u200fRLM\\u200e LRM \\u061c ALM markers in a title',
      zero: 'zero\\u200bwidth\\u200djoiner\\u2060word \\ufeffbom',
      emoji: '👩\u200d💻 dev · 👩\u200d👩\u200d👧\u200d👦 family · ❤\ufe0f\u200d🔥 · 1\ufe0f\u20e3 · é',
    });
  });

  it('a title with bidi marks is drawn whole by Ink inside a panel (before: cut by as many characters as it had marks)', async () => {
    const { withVisibleControls } = await import('../../src/core/terminal-text.js');
    const React = (await import('react')).default;
    const { Box, Text } = await import('ink');
    const { render } = await import('ink-testing-library');
    const { title } = await withVisibleControls({ idea: async () => ({ title: 'Mixed \u200fRLM\u200e LRM \u061c ALM markers in a title' }) }).idea();
    const view = render(React.createElement(Box, { width: 70, borderStyle: 'round', overflow: 'hidden' }, React.createElement(Text, { wrap: 'truncate' }, title)));
    expect(view.lastFrame()).toContain('markers in a title');
    view.unmount();
  });
});
