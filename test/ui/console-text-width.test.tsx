/**
 * The console's columns count terminal columns, not UTF-16 units: a CJK or emoji title is padded and cut
 * to its column's width in columns, so the columns after it stay in line (seen in tmux with titles made
 * by `studio create`: a CJK title pushed the stage list's "why" off the row, a title with combining
 * marks pulled it left).
 */
import React from 'react';
import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import { pad, truncate } from '../../src/ui/format.js';
import { displayWidth } from '../../src/core/text-width.js';
import { ConsoleProvider } from '../../src/ui/ConsoleApiContext.js';
import { StageList } from '../../src/ui/components/StageList.js';
import { KeyRouter } from '../../src/ui/hooks/use-keys.js';
import { Panel } from '../../src/ui/components/Panel.js';
import { wrap } from '../../src/ui/drill-down.js';
import { wrapLine } from '../../src/ui/components/DetailView.js';
import { Text } from 'ink';
import { createDemoApi } from '../helpers/demo-api.js';
import { createManualClock } from '../../src/core/clock.js';
import { TEST_NOW, consoleOpener } from '../helpers/render.js';
import type { ConsoleSnapshot, StageIdeasView } from '../../src/core/console-api.js';

const open = consoleOpener();

const TITLES = [
  '中文标题测试 全角文字の長いタイトルです wide characters',
  '🚀 Rocket 👩‍💻 family app 🇩🇪 flags ✅ done',
  'Z̴̡̢a̷l̸g̵o̶ text c̸o̸m̸b̸i̸n̸i̸n̸g̸ marks everywhere',
  'Hangul 한국어 제목 and half-width ｶﾀｶﾅ text',
  'Variation selectors ❤️ ❤︎ ☺️ and keycaps 1️⃣ 2️⃣ #️⃣',
  'e\u0301\u0301\u0301\u0301 stacked acute accents',
  'Plain ASCII title with › │ █ … in it',
];

describe('pad and truncate count columns', () => {
  it('agree with string-width (what Ink and terminals measure with) on CJK, emoji, flags, keycaps and combining marks', () => {
    for (const t of TITLES) expect(displayWidth(t), t).toBe(stringWidth(t));
    // beside the one-column characters the panels are drawn with: a soft hyphen takes none, two squares are emoji
    for (const t of ['Soft\u00adhyphen', 'shapes ● ░ and the emoji squares ◽ ◾']) expect(displayWidth(t), t).toBe(stringWidth(t));
  });

  it('pad gives exactly the width asked for, cutting on whole characters with an ellipsis', () => {
    for (const t of TITLES) {
      for (const width of [8, 15, 28, 60]) {
        const cell = pad(t, width);
        expect(stringWidth(cell), `${t} @${width}: ${cell}`).toBe(width);
        expect(cell.startsWith(truncate(t, width).replace(/…$/, ''))).toBe(true);
      }
    }
    expect(truncate('中文标题测试', 5)).toBe('中文…');
    expect(pad('中文', 6)).toBe('中文  ');
  });

  it('keeps an invisible character\'s escape whole or leaves it out, never half of it', () => {
    // `Right\u200fto left` as the console shows it: the RLM takes six columns as `\u200f`
    const title = 'Right\u200fto left';
    for (let width = 6; width <= 18; width++) {
      const cut = truncate(title, width);
      expect(displayWidth(cut), `${width}: ${cut}`).toBeLessThanOrEqual(width);
      expect(cut, `${width}: ${cut}`).toMatch(/^Right(\\u200f(to left|to lef…|to le…|to l…|to …|to…|t…|…)|…)$/);
    }
    expect(truncate(title, 9)).toBe('Right…');
    expect(truncate(title, 12)).toBe('Right\\u200f…');
    expect(pad(title, 10)).toBe('Right…    ');
  });

  it("the stage list's why column starts in the same column on every row at 80 columns", () => {
    const clock = createManualClock(TEST_NOW);
    const api = createDemoApi({ clock, seed: 7, stepDelayMs: 0 });
    const view: StageIdeasView = {
      stage: 'RESEARCH',
      total: TITLES.length,
      ideas: TITLES.map((title, i) => ({ kind: 'parked', id: `idea-${i}`, title, stage: 'RESEARCH', status: 'RESEARCHING', heldForMs: 60_000, reason: 'gate failed' })),
    };
    const instance = render(
      <ConsoleProvider api={api} clock={clock}>
        <KeyRouter>
          <StageList stage="RESEARCH" view={view} width={80} height={14} onClose={() => undefined} onIdea={() => undefined} onReload={() => undefined} />
        </KeyRouter>
      </ConsoleProvider>,
    );
    const rows = (instance.lastFrame() ?? '').split('\n').filter((l) => l.includes('gate failed'));
    expect(rows).toHaveLength(TITLES.length);
    const columns = rows.map((r) => stringWidth(r.slice(0, r.indexOf('gate failed'))));
    expect(new Set(columns).size, rows.join('\n')).toBe(1);
    instance.unmount();
  });

  it("a detail's title in CJK is cut in columns: the corner and the note stay on the top border", () => {
    const clock = createManualClock(TEST_NOW);
    const api = createDemoApi({ clock, seed: 7, stepDelayMs: 0 });
    const instance = render(
      <ConsoleProvider api={api} clock={clock}>
        <Panel title={`Idea — ${TITLES[0]}`} note="1-17/18 · esc closes" width={80} height={4} focused>
          <Text>body</Text>
        </Panel>
      </ConsoleProvider>,
    );
    const top = (instance.lastFrame() ?? '').split('\n')[0]!;
    expect(top).toMatch(/1-17\/18 · esc closes ═╗$/);
    expect(stringWidth(top)).toBe(80);
    instance.unmount();
  });

  it('detail text in CJK wraps in columns (it was cut at the edge), and a parked reason continues under its text', () => {
    const rows = wrap('全角文字の長いタイトルです'.repeat(8), 40);
    expect(rows.length).toBeGreaterThan(1);
    for (const r of rows) expect(stringWidth(r)).toBeLessThanOrEqual(40);
    expect(rows.join('')).toBe('全角文字の長いタイトルです'.repeat(8));
    const parked = wrapLine('parked    8m 48s in RESEARCH: 全角文字の長いタイトルです 全角文字の長いタイトルです 全角文字の長いタイトルです', 60);
    expect(parked.length).toBeGreaterThan(1);
    for (const r of parked) expect(stringWidth(r)).toBeLessThanOrEqual(60);
    expect(parked.slice(1).every((r) => r.startsWith(' '.repeat(10)))).toBe(true);
  });
});

describe('the header counts columns', () => {
  /** The demo with these header fields (an operator, an SSH client, a data directory's path). */
  function withHeader(header: Partial<ConsoleSnapshot['header']>) {
    const demo = createDemoApi({ clock: createManualClock(TEST_NOW) });
    return {
      ...demo,
      snapshot: async () => {
        const s = await demo.snapshot();
        return { ...s, header: { ...s.header, ...header } };
      },
    };
  }
  const headerAt = async (header: Partial<ConsoleSnapshot['header']>, columns: number) => {
    const c = open({ api: withHeader(header), readOnly: true, columns, rows: 30 });
    const row = (await c.waitFor('Budget')).split('\n')[0]!;
    c.unmount();
    return row;
  };

  it('a CJK or emoji operator@client shows whole where it fits, is never cut at the edge, and the row stays within the terminal (80, 120, 180)', async () => {
    for (const columns of [80, 120, 180]) {
      // 3 characters, 6 columns: the client was cut at the edge (`李小龍@10.0.…`)
      const cjk = await headerAt({ operator: '李小龍', sshClient: '10.0.0.5' }, columns);
      expect(cjk, `${columns}`).toMatch(/^studio DEMO\s+READ-ONLY\s+│ /);
      expect(cjk, `${columns}`).toMatch(/│ 李小龍@10\.0\.0\.5$/);
      expect(stringWidth(cjk), cjk).toBeLessThanOrEqual(columns);
      // emoji and a CJK host name: the row ran one column past the edge
      const emoji = await headerAt({ operator: '🚀🚀🚀🚀🚀dev', sshClient: 'ホスト名ホスト名' }, columns);
      expect(emoji, `${columns}`).toMatch(/^studio DEMO\s+READ-ONLY\s+│ /);
      expect(emoji, `${columns}`).toMatch(/│ 🚀🚀🚀🚀🚀dev(@ホスト名ホスト名)?$/);
      expect(stringWidth(emoji), emoji).toBeLessThanOrEqual(columns);
      // a long CJK name is cut with format.ts' ellipsis, not by the terminal's edge
      const long = await headerAt({ operator: '李小龍'.repeat(8), sshClient: '10.0.0.5' }, columns);
      expect(long, `${columns}`).toMatch(/^studio DEMO\s+READ-ONLY\s+│ /);
      expect(long, `${columns}`).toMatch(/│ 李小龍李\S*(…|@10\.0\.0\.5)$/);
      expect(stringWidth(long), long).toBeLessThanOrEqual(columns);
    }
  });

  it('a data directory in CJK (shown from 180 columns) is left out when it does not fit in columns, not pushed past the edge', async () => {
    // 21 characters in the 34 columns left, but 37 columns: it went past the edge and took the operator with it
    const long = await headerAt({ operator: 'dana', sshClient: '10.0.0.5', location: `/srv/${'スタジオのデータ'.repeat(2)}` }, 180);
    expect(long).not.toContain('/srv/');
    expect(long).toMatch(/│ dana@10\.0\.0\.5$/);
    expect(stringWidth(long), long).toBeLessThanOrEqual(180);
    const short = await headerAt({ operator: 'dana', sshClient: '10.0.0.5', location: '/srv/スタジオのデータ' }, 180);
    expect(short).toContain('in-process /srv/スタジオのデータ │');
    expect(short).toMatch(/│ dana@10\.0\.0\.5$/);
  });
});
