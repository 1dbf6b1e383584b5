/** Turns built from streamed events and from recorded messages, and what the panel says. */
import { describe, expect, it } from 'vitest';

import {
  AnswerEvent,
  IMessage,
  applyEvent,
  cancelTurn,
  endTurn,
  failTurn,
  newTurn,
  parseAnswerEvent,
  resultNote,
  turnFromMessage,
  turnStatus,
  unsafeNote,
  INTERRUPTED_MESSAGE
} from '../src/models';

const ROWS: AnswerEvent = {
  type: 'rows',
  columns: ['country', 'customers_count'],
  rows: [
    ['France', 44],
    ['Japan', 12]
  ],
  row_count: 2,
  truncated: false
};

function stream(events: AnswerEvent[]) {
  return events.reduce(applyEvent, newTurn('How many customers per country?'));
}

describe('parseAnswerEvent', () => {
  it.each([
    ['status', '{"step": "linking"}', { type: 'status', step: 'linking' }],
    [
      'sql',
      '{"sql": "SELECT 1", "explanation": "x"}',
      { type: 'sql', sql: 'SELECT 1', explanation: 'x' }
    ],
    ['sql', '{"sql": "SELECT 1"}', { type: 'sql', sql: 'SELECT 1', explanation: null }],
    [
      'rows',
      '{"columns": ["n"], "rows": [[1]], "row_count": 1, "truncated": true}',
      {
        type: 'rows',
        columns: ['n'],
        rows: [[1]],
        row_count: 1,
        truncated: true,
        truncated_reason: null
      }
    ],
    [
      'rows',
      '{"columns": ["n"], "rows": [[1]], "row_count": 1, "truncated": true, "truncated_reason": "bytes"}',
      {
        type: 'rows',
        columns: ['n'],
        rows: [[1]],
        row_count: 1,
        truncated: true,
        truncated_reason: 'bytes'
      }
    ],
    [
      'warning',
      '{"message": "This project connects as a privileged database role."}',
      { type: 'warning', message: 'This project connects as a privileged database role.' }
    ],
    [
      'done',
      '{"conversation_id": "c1", "message_id": "m1", "timings_ms": {"total": 12.5}}',
      { type: 'done', conversationId: 'c1', messageId: 'm1', timings: { total: 12.5 } }
    ],
    [
      'error',
      '{"status": 400, "code": "unsafe_sql", "title": "Unsafe SQL", "detail": "DELETE is not allowed"}',
      {
        type: 'error',
        problem: {
          status: 400,
          code: 'unsafe_sql',
          title: 'Unsafe SQL',
          detail: 'DELETE is not allowed'
        }
      }
    ]
  ])('decodes a %s event', (event, data, expected) => {
    expect(parseAnswerEvent({ event, data })).toEqual(expected);
  });

  it.each([
    ['status', 'not json'],
    ['status', '{"step": 3}'],
    ['sql', '{}'],
    ['rows', '{"columns": "n"}'],
    ['progress', '{"step": "x"}']
  ])('ignores a malformed or unknown %s event', (event, data) => {
    expect(parseAnswerEvent({ event, data })).toBeNull();
  });
});

describe('warnings and caps', () => {
  it('flags a project whose settings weaken the guard', () => {
    expect(unsafeNote(undefined)).toBeNull();
    expect(unsafeNote([])).toBeNull();
    expect(unsafeNote(['allow_privileged'])).toContain('privileged database role');
  });

  it('keeps each warning once, in order', () => {
    const turn = stream([
      { type: 'warning', message: 'privileged role' },
      { type: 'warning', message: 'privileged role' },
      { type: 'warning', message: 'second' }
    ]);
    expect(turn.warnings).toEqual(['privileged role', 'second']);
    expect(newTurn('q').warnings).toEqual([]);
  });

  it('says when the size cap, not the row cap, cut rows', () => {
    const result = { columns: ['n'], rows: [[1]], row_count: 1, truncated: true };
    expect(resultNote({ ...result, truncated_reason: 'bytes' }, 100).text).toContain('size cap');
    expect(resultNote({ ...result, truncated_reason: 'rows' }, 100).text).toContain('row cap');
  });
});

describe('turns from a stream', () => {
  it('collects steps once each, the SQL, the rows, then done with the conversation', () => {
    const turn = stream([
      { type: 'status', step: 'linking' },
      { type: 'status', step: 'generating' },
      { type: 'status', step: 'checking' },
      { type: 'sql', sql: 'SELECT bad', explanation: null },
      { type: 'status', step: 'checking' },
      {
        type: 'sql',
        sql: 'SELECT country, COUNT(*) FROM customers GROUP BY country',
        explanation: 'per country'
      },
      { type: 'status', step: 'running' },
      ROWS,
      { type: 'done', conversationId: 'c1', messageId: 'm1', timings: { total: 1530 } }
    ]);
    expect(turn.steps).toEqual(['linking', 'generating', 'checking', 'running']);
    // A repaired attempt replaces the SQL: the one shown is the one that ran.
    expect(turn.sql).toBe('SELECT country, COUNT(*) FROM customers GROUP BY country');
    expect(turn.explanation).toBe('per country');
    expect(turn.result?.rows).toEqual(ROWS.type === 'rows' ? ROWS.rows : []);
    expect(turn.phase).toBe('done');
    expect(turn.conversationId).toBe('c1');
    expect(turnStatus(turn)).toBe('Answered in 1.5 s');
  });

  it('shows the current step while streaming', () => {
    expect(turnStatus(newTurn('q'))).toBe('Sending…');
    expect(turnStatus(stream([{ type: 'status', step: 'running' }]))).toBe('Running the query…');
  });

  it('fails with the problem detail, else its title', () => {
    const detail = stream([
      {
        type: 'error',
        problem: { code: 'query_timeout', title: 'Timeout', detail: 'The query ran past 30 s.' }
      }
    ]);
    expect(detail.phase).toBe('error');
    expect(detail.error).toEqual({ code: 'query_timeout', message: 'The query ran past 30 s.' });
    const title = stream([{ type: 'error', problem: { title: 'Database unreachable' } }]);
    expect(title.error).toEqual({ code: null, message: 'Database unreachable' });
  });

  it('keeps when a refused call may be retried', () => {
    const refused = failTurn(newTurn('q'), 'Quota used up.', 'quota_exceeded', 60, 1_000);
    expect(refused.error).toEqual({
      code: 'quota_exceeded',
      message: 'Quota used up.',
      retry: { refusedAt: 1_000, after: 60 }
    });
    const streamed = stream([
      { type: 'error', problem: { code: 'rate_limited', detail: 'Slow down.', retry_after: 3 } }
    ]);
    expect(streamed.error?.retry?.after).toBe(3);
    expect(failTurn(newTurn('q'), 'No.').error).toEqual({ code: null, message: 'No.' });
  });

  it('is stopped by the user', () => {
    const turn = cancelTurn(stream([{ type: 'status', step: 'running' }]));
    expect(turn.phase).toBe('cancelled');
    expect(turn.steps).toEqual(['running']);
    expect(turnStatus(turn)).toBe('Stopped');
  });

  it('fails when the stream ends without done or error, and not otherwise', () => {
    const cut = endTurn(stream([{ type: 'status', step: 'running' }]));
    expect(cut.phase).toBe('error');
    expect(cut.error?.message).toMatch(/stopped before it was complete/);
    const done = stream([{ type: 'done', conversationId: 'c', messageId: 'm', timings: {} }]);
    expect(endTurn(done)).toBe(done);
  });
});

describe('turns from recorded messages', () => {
  const base: IMessage = {
    id: 'm1',
    kind: 'ask',
    question: 'How many orders?',
    sql: 'SELECT COUNT(*) FROM orders',
    explanation: null,
    status: 'ok',
    error: null,
    columns: ['n'],
    rows: [[1200]],
    row_count: 1,
    truncated: false,
    created_at: '2025-01-01T00:00:00'
  };

  it('shows an answered question with its rows', () => {
    const turn = turnFromMessage(base, 'c1');
    expect(turn).toMatchObject({
      question: 'How many orders?',
      phase: 'done',
      conversationId: 'c1'
    });
    expect(turn.result).toEqual({
      columns: ['n'],
      rows: [[1200]],
      row_count: 1,
      truncated: false,
      preview: false
    });
  });

  it('knows when only a preview of the rows was kept', () => {
    const turn = turnFromMessage({ ...base, rows: [[1], [2]], row_count: 500 }, 'c1');
    expect(turn.result?.preview).toBe(true);
    expect(resultNote(turn.result!, 50)).toEqual({
      text: 'Showing 2 of 500 rows: rows were cut (only the first rows are kept in the history).',
      cut: true
    });
  });

  it('shows failures with their reason, stopped ones as stopped, and SQL runs by their SQL', () => {
    const failed = turnFromMessage(
      {
        ...base,
        status: 'error',
        error: { code: 'unsafe_sql', message: 'DROP is not allowed' },
        rows: null
      },
      'c1'
    );
    expect(failed.phase).toBe('error');
    expect(failed.error).toEqual({ code: 'unsafe_sql', message: 'DROP is not allowed' });
    expect(failed.result).toBeNull();
    expect(turnFromMessage({ ...base, status: 'cancelled', rows: null }, 'c1').phase).toBe(
      'cancelled'
    );
    const run = turnFromMessage({ ...base, kind: 'run', question: null }, 'c1');
    expect(run).toMatchObject({ kind: 'run', question: 'SELECT COUNT(*) FROM orders' });
  });

  it('shows a message the server stopped before it finished as interrupted', () => {
    const reason = 'The AskDB service stopped before this finished (it was restarted or crashed).';
    const turn = turnFromMessage(
      {
        ...base,
        status: 'interrupted',
        error: { code: 'interrupted', message: reason },
        rows: null
      },
      'c1'
    );
    expect(turn.phase).toBe('error');
    expect(turn.error).toEqual({ code: 'interrupted', message: reason });
    expect(turnStatus(turn)).toBe('Interrupted');
    const bare = turnFromMessage({ ...base, status: 'interrupted', error: null, rows: null }, 'c1');
    expect(bare.error?.message).toBe(INTERRUPTED_MESSAGE);
  });

  it('shows a message still running elsewhere as running, with no error', () => {
    const turn = turnFromMessage({ ...base, status: 'running', sql: null, rows: null }, 'c1');
    expect(turn.phase).toBe('running');
    expect(turn.error).toBeNull();
    expect(turnStatus(turn)).toBe('Still running when this conversation was opened');
  });

  it("takes the server's word on whether the stored preview was cut", () => {
    const capped = { ...base, rows: [[1], [2]], row_count: 2, preview_truncated: true };
    expect(turnFromMessage(capped, 'c1').result?.preview).toBe(true);
    const none = turnFromMessage(
      { ...base, rows: null, row_count: 4, preview_truncated: true },
      'c1'
    );
    expect(none.result).toBeNull(); // the project keeps no rows: the SQL is still shown
  });
});

describe('resultNote', () => {
  const result = (n: number, truncated = false) => ({
    columns: ['n'],
    rows: Array.from({ length: n }, (_v, i) => [i]),
    row_count: n,
    truncated
  });

  it.each([
    [result(1), 50, '1 row', false],
    [result(10), 50, '10 rows', false],
    [
      result(80),
      50,
      'Showing 50 of 80 rows: rows were cut (the panel shows 50 (setting "Rows shown")).',
      true
    ],
    [
      result(100, true),
      50,
      'Showing 50 of more than 100 rows: rows were cut (the query returned more rows than the row cap).',
      true
    ],
    [result(0), 50, '0 rows', false]
  ])('%#: says how many rows and whether rows were cut', (r, shown, text, cut) => {
    expect(resultNote(r, shown)).toEqual({ text, cut });
  });
});
