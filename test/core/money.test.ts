import { describe, expect, it } from 'vitest';
import { centsToDecimal, formatDollars, microsToCents, parseDollars } from '../../src/core/money.js';

describe('money in exact cents', () => {
  it('parses dollar strings without floating point', () => {
    expect(parseDollars('12.34')).toBe(1234);
    expect(parseDollars('0.1')).toBe(10);
    expect(parseDollars('$1,234.5')).toBe(123450);
    expect(parseDollars('62')).toBe(6200);
    expect(() => parseDollars('12.345')).toThrow(/not an amount/);
    expect(() => parseDollars('abc')).toThrow(/not an amount/);
  });

  it('adds up where floats would drift', () => {
    let total = 0;
    for (let i = 0; i < 1000; i++) total += parseDollars('0.10');
    expect(centsToDecimal(total)).toBe('100.00');
    expect(formatDollars(-5)).toBe('-$0.05');
  });

  it('rounds Google Ads micros up to the cent', () => {
    expect(microsToCents(1_000_000)).toBe(100);
    expect(microsToCents(10_001)).toBe(2);
    expect(microsToCents(0)).toBe(0);
  });
});
