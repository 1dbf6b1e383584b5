/**
 * The project's usage against its plan, and the time a refused call may be retried, as the
 * panel words them. Pure functions only, so the unit tests can check them without a browser.
 */

/** `GET projects/{id}/usage`: the plan's limits (-1 unlimited) and this period's use. */
export interface IUsage {
  limits: Record<string, number>;
  calls_today: number;
  tokens_this_month: number;
  /** False when the server does not enforce quotas (the default of a personal server). */
  enforced?: boolean;
  /** Newer servers add counts (schema_versions, conversation_messages...); not shown here. */
  [extra: string]: unknown;
}

/** The usage line: its text, and the warning with an upgrade hint from `WARN_PERCENT` on. */
export interface IUsageLine {
  text: string;
  warning: boolean;
  hint: string | null;
}

/** From this share of a quota on, the line turns into a warning. */
export const WARN_PERCENT = 80;

const UNLIMITED = -1;
const QUOTAS: { label: string; used: 'calls_today' | 'tokens_this_month'; limit: string }[] = [
  { label: 'Calls today', used: 'calls_today', limit: 'api_calls_per_day' },
  { label: 'Tokens this month', used: 'tokens_this_month', limit: 'tokens_per_month' }
];

/** `1234567` -> `"1,234,567"`, whatever the browser's locale (the line reads the same). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The share of `limit` that `used` is, in whole percent; null for no finite limit. */
export function percentOf(used: number, limit: number | undefined): number | null {
  if (typeof limit !== 'number' || limit === UNLIMITED || limit <= 0) {
    return null;
  }
  return Math.floor((used * 100) / limit);
}

/**
 * "Calls today 12 / 1,000 · Tokens this month 3,400 / 100,000"; a warning with a hint once a
 * quota reaches `WARN_PERCENT`. Null when quotas are not enforced: nothing would be refused.
 */
export function usageLine(usage: IUsage): IUsageLine | null {
  if (usage.enforced === false) {
    return null;
  }
  const parts: string[] = [];
  const high: { label: string; percent: number }[] = [];
  for (const quota of QUOTAS) {
    const used = Number(usage[quota.used] ?? 0);
    const limit = usage.limits?.[quota.limit];
    const shown = limit === UNLIMITED || limit === undefined ? 'unlimited' : formatCount(limit);
    parts.push(`${quota.label} ${formatCount(used)} / ${shown}`);
    const percent = percentOf(used, limit);
    if (percent !== null && percent >= WARN_PERCENT) {
      high.push({ label: quota.label, percent });
    }
  }
  return { text: parts.join(' · '), warning: high.length > 0, hint: upgradeHint(high) };
}

function upgradeHint(high: { label: string; percent: number }[]): string | null {
  if (high.length === 0) {
    return null;
  }
  const list = high
    .map(q => (q.percent >= 100 ? `${q.label} used up` : `${q.label} at ${q.percent}%`))
    .join(', ')
    .toLowerCase();
  const which = list.charAt(0).toUpperCase() + list.slice(1);
  const used = high.some(q => q.percent >= 100);
  const then = used ? 'questions are refused until the quota resets' : 'close to the limit';
  return `${which}: ${then}. Ask an admin to upgrade the plan for higher limits.`;
}

/**
 * The seconds of a `Retry-After` header (delta-seconds or an HTTP date), else `fallback`
 * (a problem's `retry_after`); null when neither says.
 */
export function parseRetryAfter(
  header: string | null,
  fallback: unknown = null,
  now: number = Date.now()
): number | null {
  const value = header?.trim() ?? '';
  if (/^\d+$/.test(value)) {
    return Number(value);
  }
  const date = value ? Date.parse(value) : NaN;
  if (!Number.isNaN(date)) {
    return Math.max(0, Math.ceil((date - now) / 1000));
  }
  return typeof fallback === 'number' && fallback >= 0 ? Math.ceil(fallback) : null;
}

/** `3725` -> `"1 h 2 min"`: how long, to the minute past an hour, to the second below one. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) {
    return `${s} s`;
  }
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = [days ? `${days} d` : '', hours ? `${hours} h` : '', rest ? `${rest} min` : ''];
  return parts.filter(Boolean).join(' ');
}

/**
 * "Try again in 5 h 12 min (after 2024-06-02 00:00 UTC)." for a call refused at `refusedAt`
 * (epoch ms) with `retryAfter` seconds, read at `now`. Quotas reset at UTC midnight, so the
 * time is in UTC.
 */
export function retryText(retryAfter: number, refusedAt: number, now: number = Date.now()): string {
  const at = refusedAt + retryAfter * 1000;
  if (at <= now) {
    return 'You can try again now.';
  }
  const when = new Date(at).toISOString().replace('T', ' ').slice(0, 16);
  return `Try again in ${formatDuration((at - now) / 1000)} (after ${when} UTC).`;
}
