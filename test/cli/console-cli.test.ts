import { describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT, runCli } from '../helpers/cli.js';

describe('studio console (without a terminal)', () => {
  it('--help lists the options and the keys', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const r = await runCli(['console', '--help']);
    expect(r.code).toBe(0);
    for (const text of ['--read-only', '--refresh <duration>', '--no-scheduler', '--demo', 'x reset stuck idea', 'R resume after emergency']) expect(r.stdout).toContain(text);
  });

  it('refuses to run without a TTY, in one line, exit 1', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const r = await runCli(['console', '--demo']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('console: needs a terminal');
    expect(r.stdout).not.toContain('\x1b[?1049h');
  });

  it('TERM=dumb: refuses in one line (no alternate screen, no cursor movement), exit 1', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const r = await runCli(['console', '--demo'], { env: { TERM: 'dumb' } });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('console: TERM=dumb cannot draw the full-screen console');
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('rejects a bad --refresh before touching the terminal', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const r = await runCli(['console', '--demo', '--refresh', 'soon']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--refresh "soon" is not a duration');
  });
});
