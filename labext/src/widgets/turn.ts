/**
 * One question and its answer in the panel: the question, a compact step status, the SQL
 * (highlighted, with Copy and Insert into notebook), the error with its reason, the result.
 */
import { Clipboard } from '@jupyterlab/apputils';

import { SQLHighlighter } from '../highlight';
import { ITurn, stepLabel, turnStatus } from '../models';
import { IAskDBSettings } from '../settings';
import { retryText } from '../usage';
import { button, h } from './dom';
import { disposeResult, renderResult } from './result';

export interface ITurnViewOptions {
  highlight: SQLHighlighter;
  insertIntoNotebook: (sql: string) => Promise<void>;
  settings: () => IAskDBSettings;
}

/** The view of one turn; `update` it with each new state of the turn. */
export class TurnView {
  readonly node: HTMLElement;

  constructor(turn: ITurn, options: ITurnViewOptions) {
    this._options = options;
    this.node = h('div', 'jp-AskDB-turn');
    const question = h('div', `jp-AskDB-question jp-mod-${turn.kind}`, turn.question);
    this._status = h('div', 'jp-AskDB-status');
    this._status.setAttribute('aria-live', 'polite');
    this._sql = h('div', 'jp-AskDB-sql');
    this._error = h('div', 'jp-AskDB-error');
    this._error.setAttribute('role', 'alert');
    this._warnings = h('div', 'jp-AskDB-warnings');
    this._result = h('div', 'jp-AskDB-resultSlot');
    this.node.append(question, this._status, this._warnings, this._sql, this._error, this._result);
    this.update(turn);
  }

  /** The turn shown now. */
  get turn(): ITurn {
    return this._turn!;
  }

  /** Show `turn`, redrawing only the parts that changed. */
  update(turn: ITurn): void {
    const before = this._turn;
    this._turn = turn;
    this.node.dataset.phase = turn.phase;
    this._renderStatus(turn);
    if (turn.sql !== before?.sql || turn.explanation !== before?.explanation) {
      this._renderSQL(turn);
    }
    if (turn.warnings !== before?.warnings) {
      this._warnings.replaceChildren(...turn.warnings.map(w => h('div', 'jp-AskDB-warning', w)));
      this._warnings.hidden = turn.warnings.length === 0;
    }
    this._renderError(turn);
    this._error.classList.toggle('jp-mod-cancelled', turn.phase === 'cancelled');
    if (turn.result !== before?.result) {
      this.refreshResult();
    }
  }

  /** Draw the result again (the settings changed). */
  refreshResult(): void {
    disposeResult(this._result);
    this._result.replaceChildren();
    if (this._turn?.result) {
      this._result.append(renderResult(this._turn.result, this._options.settings()));
    }
  }

  /** Free the chart. */
  dispose(): void {
    disposeResult(this._result);
  }

  private _renderStatus(turn: ITurn): void {
    const steps = turn.steps.map((step, i) => {
      const chip = h('span', 'jp-AskDB-step', stepLabel(step));
      chip.dataset.step = step;
      chip.classList.add(`jp-mod-${stepState(turn, i)}`);
      return chip;
    });
    const summary = h('span', 'jp-AskDB-statusText', turnStatus(turn));
    this._status.replaceChildren(summary, ...steps);
  }

  private _renderError(turn: ITurn): void {
    const error = turn.error;
    this._error.hidden = error === null;
    this._error.textContent = error?.message ?? '';
    this._error.dataset.code = error?.code ?? '';
    if (error?.retry) {
      // A refused call (429): when to try again, on a line of its own.
      const { after, refusedAt } = error.retry;
      this._error.append(h('div', 'jp-AskDB-retry', retryText(after, refusedAt)));
    }
  }

  private _renderSQL(turn: ITurn): void {
    this._sql.replaceChildren();
    if (!turn.sql) {
      return;
    }
    const sql = turn.sql;
    const code = h('pre', 'jp-AskDB-sqlCode');
    code.dataset.sql = sql;
    void this._options.highlight(sql, code);
    const copy = button('Copy', 'jp-AskDB-copy', () => {
      Clipboard.copyToSystem(sql);
      copy.textContent = 'Copied';
      setTimeout(() => (copy.textContent = 'Copy'), 1500);
    });
    const insert = button('Insert into notebook', 'jp-AskDB-insert', () => {
      this._options.insertIntoNotebook(sql).catch(error => {
        this._error.hidden = false;
        this._error.textContent = `Cannot insert the SQL into a notebook: ${error}`;
      });
    });
    const tools = h('div', 'jp-AskDB-sqlTools');
    tools.append(copy, insert);
    this._sql.append(code, tools);
    if (turn.explanation) {
      this._sql.append(h('div', 'jp-AskDB-explanation', turn.explanation));
    }
  }

  private readonly _options: ITurnViewOptions;
  private readonly _status: HTMLElement;
  private readonly _sql: HTMLElement;
  private readonly _error: HTMLElement;
  private readonly _warnings: HTMLElement;
  private readonly _result: HTMLElement;
  private _turn: ITurn | null = null;
}

/** How the step at `index` went: the last one is live, failed or stopped unless done. */
function stepState(turn: ITurn, index: number): 'active' | 'done' | 'failed' | 'stopped' {
  if (index < turn.steps.length - 1 || turn.phase === 'done') {
    return 'done';
  }
  return turn.phase === 'streaming' ? 'active' : turn.phase === 'error' ? 'failed' : 'stopped';
}
