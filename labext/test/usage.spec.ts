/** The usage line and the retry time of a refused call, as the panel words them. */
import { describe, expect, it } from 'vitest';

import {
  IUsage,
  formatCount,
  formatDuration,
  parseRetryAfter,
  percentOf,
  retryText,
  usageLine
} from '../src/usage';

function usage(calls: number, tokens: number, extra: Partial<IUsage> = {}): IUsage {
  return {
    limits: { api_calls_per_day: 1000, tokens_per_month: 100000 },
    calls_today: calls,
    tokens_this_month: tokens,
    enforced: true,
    ...extra
  };
}

describe('usageLine', () => {
  it('reads calls today and tokens this month against the plan', () => {
    expect(usageLine(usage(12, 3400))).toEqual({
      text: 'Calls today 12 / 1,000 · Tokens this month 3,400 / 100,000',
      warning: false,
      hint: null
    });
  });

  it('is not shown when quotas are not enforced', () => {
    expect(usageLine(usage(12, 3400, { enforced: false }))).toBeNull();
  });

  it.each([
    [799, 0, false],
    [800, 0, true],
    [0, 79_999, false],
    [0, 80_000, true]
  ])('calls %i and tokens %i: warning %s', (calls, tokens, warning) => {
    expect(usageLine(usage(calls, tokens))?.warning).toBe(warning);
  });

  it('says which quota is high and how to raise it', () => {
    expect(usageLine(usage(850, 3400))?.hint).toBe(
      'Calls today at 85%: close to the limit. Ask an admin to upgrade the plan for higher limits.'
    );
    expect(usageLine(usage(1000, 90_000))?.hint).toBe(
      'Calls today used up, tokens this month at 90%: questions are refused until the quota ' +
        'resets. Ask an admin to upgrade the plan for higher limits.'
    );
  });

  it('shows an unlimited quota as such, never as a warning', () => {
    const line = usageLine(
      usage(5_000_000, 0, { limits: { api_calls_per_day: -1, tokens_per_month: -1 } })
    );
    expect(line).toEqual({
      text: 'Calls today 5,000,000 / unlimited · Tokens this month 0 / unlimited',
      warning: false,
      hint: null
    });
  });
});

describe('numbers', () => {
  it('groups thousands whatever the locale', () => {
    expect([0, 999, 1000, 1234567].map(formatCount)).toEqual(['0', '999', '1,000', '1,234,567']);
  });

  it('takes whole percent of finite limits only', () => {
    expect([percentOf(799, 1000), percentOf(800, 1000), percentOf(3, -1), percentOf(3, 0)]).toEqual(
      [79, 80, null, null]
    );
  });
});

describe('retry times', () => {
  it('parses Retry-After seconds or a date, else the fallback', () => {
    const now = Date.parse('2030-01-01T22:00:00Z');
    expect(parseRetryAfter('120', null, now)).toBe(120);
    expect(parseRetryAfter('Wed, 02 Jan 2030 00:00:00 GMT', null, now)).toBe(7200);
    expect(parseRetryAfter(null, 30, now)).toBe(30);
    expect(parseRetryAfter('soon', undefined, now)).toBeNull();
  });

  it.each([
    [5, '5 s'],
    [60, '1 min'],
    [61, '2 min'],
    [3600, '1 h'],
    [3725, '1 h 3 min'],
    [90_000, '1 d 1 h']
  ])('formats %i s as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('says how long to wait and until when, in UTC', () => {
    const refused = Date.parse('2030-01-01T18:48:00Z');
    const seconds = 5 * 3600 + 12 * 60; // until midnight UTC, when the day's calls reset
    expect(retryText(seconds, refused, refused)).toBe(
      'Try again in 5 h 12 min (after 2030-01-02 00:00 UTC).'
    );
    expect(retryText(seconds, refused, refused + 3600_000)).toMatch(/^Try again in 4 h 12 min/);
    expect(retryText(60, refused, refused + 61_000)).toBe('You can try again now.');
  });
});
