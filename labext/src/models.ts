/**
 * What the panel shows, as plain data: conversations and messages as the REST API sends them,
 * the events of a streamed answer, and a "turn" (one question and its answer) that those events
 * build up. Pure functions only, so the unit tests can check them without a browser.
 */
import { IServerEvent } from './sse';

/** An `application/problem+json` body (or an SSE `error` event's data). */
export interface IProblem {
  status?: number;
  code?: string;
  title?: string;
  detail?: string;
  /** Seconds until a refused call (429) may be retried. */
  retry_after?: number;
}

/** A conversation as `GET projects/{id}/conversations` lists it. */
export interface IConversation {
  id: string;
  project_id: string;
  title: string;
  created_at: string;
  updated_at: string;
  message_count: number;
}

/** One recorded ask or SQL run of a conversation. */
export interface IMessage {
  id: string;
  kind: 'ask' | 'run';
  question: string | null;
  sql: string | null;
  explanation: string | null;
  /**
   * `running`: admitted and not finished when the conversation was read (still being answered,
   * perhaps in another window); `interrupted`: the server stopped before it finished.
   */
  status: 'running' | 'ok' | 'error' | 'cancelled' | 'interrupted';
  error: { code: string; message: string } | null;
  columns: string[] | null;
  /** The first rows only (the server keeps a preview); null when the project keeps none. */
  rows: unknown[][] | null;
  /** True when the answer had more rows than the stored preview. */
  preview_truncated?: boolean;
  row_count: number | null;
  truncated: boolean;
  created_at: string;
}

/** `GET conversations/{id}`: the conversation with its messages, oldest first. */
export interface IConversationDetail extends IConversation {
  messages: IMessage[];
}

/** The rows of an answer. `row_count` counts the rows sent; `truncated` says more existed. */
export interface IResult {
  columns: string[];
  rows: unknown[][];
  row_count: number;
  truncated: boolean;
  /** Which cap cut rows: the row cap (`rows`) or the answer's byte cap (`bytes`). */
  truncated_reason?: 'rows' | 'bytes' | null;
  /** True when `rows` is only the server's stored preview (a turn loaded from history). */
  preview?: boolean;
}

/** One event of a streamed answer, decoded and checked. */
export type AnswerEvent =
  | { type: 'status'; step: string }
  | { type: 'sql'; sql: string; explanation: string | null }
  | ({ type: 'rows' } & IResult)
  | { type: 'warning'; message: string }
  | { type: 'done'; conversationId: string; messageId: string; timings: Record<string, number> }
  | { type: 'error'; problem: IProblem };

/** Decode an SSE event of the ask/run stream; null for events the panel does not know. */
export function parseAnswerEvent(event: IServerEvent): AnswerEvent | null {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(event.data) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!data || typeof data !== 'object') {
    return null;
  }
  switch (event.event) {
    case 'status':
      return typeof data.step === 'string' ? { type: 'status', step: data.step } : null;
    case 'sql':
      return typeof data.sql === 'string'
        ? { type: 'sql', sql: data.sql, explanation: stringOrNull(data.explanation) }
        : null;
    case 'rows':
      return Array.isArray(data.columns) && Array.isArray(data.rows)
        ? {
            type: 'rows',
            columns: data.columns.map(String),
            rows: data.rows as unknown[][],
            row_count: typeof data.row_count === 'number' ? data.row_count : data.rows.length,
            truncated: data.truncated === true,
            truncated_reason:
              data.truncated_reason === 'bytes' || data.truncated_reason === 'rows'
                ? data.truncated_reason
                : null
          }
        : null;
    case 'warning':
      return typeof data.message === 'string' ? { type: 'warning', message: data.message } : null;
    case 'done':
      return {
        type: 'done',
        conversationId: idOf(data.conversation_id),
        messageId: idOf(data.message_id),
        timings: isTimings(data.timings_ms) ? data.timings_ms : {}
      };
    case 'error':
      return { type: 'error', problem: data };
    default:
      return null;
  }
}

/**
 * Where an answer is: still coming, complete, failed, or stopped by the user; `running` is a
 * turn read from the history that had not finished then (its answer is not streamed here).
 */
export type TurnPhase = 'streaming' | 'running' | 'done' | 'error' | 'cancelled';

/** One question (or SQL run) and its answer, as the panel shows it. */
export interface ITurn {
  kind: 'ask' | 'run';
  question: string;
  phase: TurnPhase;
  /** The pipeline steps seen so far, in order (`linking`, `generating`, ...). */
  steps: string[];
  sql: string | null;
  explanation: string | null;
  result: IResult | null;
  error: ITurnError | null;
  conversationId: string | null;
  timings: Record<string, number> | null;
  /** What the server says the user should know (e.g. a privileged database role). */
  warnings: string[];
}

/** Why a turn failed; a refused call (429) also says when it may be retried. */
export interface ITurnError {
  code: string | null;
  message: string;
  /** When the call was refused (epoch ms) and after how many seconds a retry may succeed. */
  retry?: { refusedAt: number; after: number };
}

/** A turn that has just been asked. */
export function newTurn(question: string, kind: 'ask' | 'run' = 'ask'): ITurn {
  return {
    kind,
    question,
    phase: 'streaming',
    steps: [],
    sql: null,
    explanation: null,
    result: null,
    error: null,
    conversationId: null,
    timings: null,
    warnings: []
  };
}

/** The turn after one more event of its stream. */
export function applyEvent(turn: ITurn, event: AnswerEvent): ITurn {
  switch (event.type) {
    case 'status':
      return turn.steps.includes(event.step)
        ? turn
        : { ...turn, steps: [...turn.steps, event.step] };
    case 'sql':
      // A repaired attempt sends a new SQL: the latest one is the one that ran.
      return { ...turn, sql: event.sql, explanation: event.explanation };
    case 'rows': {
      const { type: _type, ...result } = event;
      return { ...turn, result };
    }
    case 'warning':
      return turn.warnings.includes(event.message)
        ? turn
        : { ...turn, warnings: [...turn.warnings, event.message] };
    case 'done':
      return {
        ...turn,
        phase: 'done',
        conversationId: event.conversationId || turn.conversationId,
        timings: event.timings
      };
    case 'error': {
      const { retry_after: after } = event.problem;
      const retry = typeof after === 'number' ? after : null;
      return failTurn(turn, problemMessage(event.problem), event.problem.code ?? null, retry);
    }
  }
}

/**
 * The turn failed for `message` (a network error, a stream that ended early, a refused
 * call...); `retryAfter` seconds, when the server said when to try again.
 */
export function failTurn(
  turn: ITurn,
  message: string,
  code: string | null = null,
  retryAfter: number | null = null,
  now: number = Date.now()
): ITurn {
  const error: ITurnError = { code, message };
  if (retryAfter !== null) {
    error.retry = { refusedAt: now, after: retryAfter };
  }
  return { ...turn, phase: 'error', error };
}

/** The user pressed Stop. */
export function cancelTurn(turn: ITurn): ITurn {
  return { ...turn, phase: 'cancelled', error: { code: 'query_cancelled', message: 'Stopped.' } };
}

/** The stream ended: a turn that got neither `done` nor `error` did not finish. */
export function endTurn(turn: ITurn): ITurn {
  return turn.phase === 'streaming'
    ? failTurn(turn, 'The answer stopped before it was complete (the connection closed).')
    : turn;
}

const MESSAGE_PHASES: Record<string, TurnPhase> = {
  ok: 'done',
  cancelled: 'cancelled',
  running: 'running'
};

/** What an interrupted message says when the server gave no reason. */
export const INTERRUPTED_MESSAGE = 'The AskDB server stopped before this finished; ask again.';

/** A turn recorded on the server, as `GET conversations/{id}` returns it. */
export function turnFromMessage(message: IMessage, conversationId: string): ITurn {
  const turn: ITurn = {
    ...newTurn(message.question ?? message.sql ?? '', message.kind),
    phase: MESSAGE_PHASES[message.status] ?? 'error',
    sql: message.sql,
    explanation: message.explanation,
    conversationId
  };
  if (message.status === 'ok' && message.columns && message.rows) {
    turn.result = {
      columns: message.columns,
      rows: message.rows,
      row_count: message.row_count ?? message.rows.length,
      truncated: message.truncated,
      preview: message.preview_truncated ?? (message.row_count ?? 0) > message.rows.length
    };
  }
  if (message.status === 'cancelled') {
    turn.error = { code: 'query_cancelled', message: 'Stopped.' };
  } else if (message.status === 'interrupted') {
    turn.error = {
      code: 'interrupted',
      message: message.error?.message ?? INTERRUPTED_MESSAGE
    };
  } else if (message.status === 'error') {
    turn.error = {
      code: message.error?.code ?? null,
      message: message.error?.message ?? 'This question failed.'
    };
  }
  return turn;
}

/** The reason to show for a problem: its detail, else its title. */
export function problemMessage(problem: IProblem): string {
  return problem.detail || problem.title || 'The AskDB server reported an error.';
}

const STEP_LABELS: Record<string, string> = {
  linking: 'Reading the schema',
  generating: 'Writing SQL',
  checking: 'Checking the SQL',
  running: 'Running the query'
};

/** A short label for a pipeline step. */
export function stepLabel(step: string): string {
  return STEP_LABELS[step] ?? step;
}

/** The one-line status of a turn: the current step while streaming, else how it ended. */
export function turnStatus(turn: ITurn): string {
  switch (turn.phase) {
    case 'streaming': {
      const step = turn.steps[turn.steps.length - 1];
      return step ? `${stepLabel(step)}…` : 'Sending…';
    }
    case 'done': {
      const total = turn.timings?.total;
      return typeof total === 'number' ? `Answered in ${formatMs(total)}` : 'Answered';
    }
    case 'running':
      return 'Still running when this conversation was opened';
    case 'cancelled':
      return 'Stopped';
    case 'error':
      return turn.error?.code === 'interrupted' ? 'Interrupted' : 'Failed';
  }
}

/** What the result table says under itself: how many rows and whether rows were cut. */
export function resultNote(result: IResult, rowsShown: number): { text: string; cut: boolean } {
  const shown = Math.min(rowsShown, result.rows.length);
  const total = result.truncated ? `more than ${result.row_count}` : `${result.row_count}`;
  const noun = result.row_count === 1 && !result.truncated ? 'row' : 'rows';
  if (shown < result.row_count || result.truncated) {
    const why = result.truncated
      ? result.truncated_reason === 'bytes'
        ? 'the answer reached the size cap'
        : 'the query returned more rows than the row cap'
      : shown < result.rows.length
        ? `the panel shows ${rowsShown} (setting "Rows shown")`
        : 'only the first rows are kept in the history';
    return { text: `Showing ${shown} of ${total} ${noun}: rows were cut (${why}).`, cut: true };
  }
  return { text: `${total} ${noun}`, cut: false };
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** An id the server sent as a string (or a number); '' when it sent none. */
function idOf(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** The `timings_ms` of a done event: milliseconds by step (taken as the server sends them). */
function isTimings(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null;
}

/** What the panel says about a project whose settings weaken the guard; null when none do. */
export function unsafeNote(unsafe: readonly string[] | undefined): string | null {
  if (!unsafe || unsafe.length === 0) {
    return null;
  }
  const what = unsafe.includes('allow_privileged')
    ? 'it may connect as a privileged database role (allow_privileged)'
    : unsafe.join(', ');
  return `Unsafe project settings: ${what}. Ask an admin for a read-only database role.`;
}
