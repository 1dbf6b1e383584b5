/**
 * The AskDB side panel: pick a project, ask, watch the answer stream in, stop it, follow up,
 * and manage the project's conversations. Everything comes from the AskDB REST API.
 */
import { Dialog, InputDialog, showDialog } from '@jupyterlab/apputils';
import { refreshIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { AskDBAPIError, AskDBClient, IProject, isAbortError } from '../api';
import { SQLHighlighter } from '../highlight';
import { IPanelMemory, PanelMemoryStore, emptyMemory } from '../memory';
import {
  AnswerEvent,
  IConversation,
  ITurn,
  applyEvent,
  cancelTurn,
  endTurn,
  failTurn,
  newTurn,
  unsafeNote,
  turnFromMessage
} from '../models';
import { askdbIcon } from '../icons';
import { DEFAULT_SETTINGS, IAskDBSettings } from '../settings';
import { IUsage } from '../usage';
import { renderConversationList } from './conversations';
import { button, h } from './dom';
import { TurnView } from './turn';
import { UsageLine } from './usage';

/** What the panel is doing; also its `data-state` attribute, which the browser tests read. */
export type PanelState = 'loading' | 'empty' | 'error' | 'idle' | 'asking';

export interface IAskDBPanelOptions {
  client: AskDBClient;
  memory: PanelMemoryStore;
  highlight: SQLHighlighter;
  insertIntoNotebook: (sql: string) => Promise<void>;
}

export class AskDBPanel extends Widget {
  constructor(options: IAskDBPanelOptions) {
    super();
    this._options = options;
    this._client = options.client;
    this.id = 'askdb-panel';
    this.addClass('jp-AskDBPanel');
    this.title.icon = askdbIcon;
    this.title.caption = 'AskDB';
    this._project = h('select', 'jp-mod-styled jp-AskDB-project');
    this._project.title = 'Project';
    this._project.addEventListener('change', () => void this.selectProject(this._project.value));
    this._conversations = h('ul', 'jp-AskDB-conversations');
    this._notice = h('div', 'jp-AskDB-notice');
    this._messages = h('div', 'jp-AskDB-messages');
    this._usage = new UsageLine();
    this._input = h('textarea', 'jp-AskDB-input');
    this._submit = button('Ask', 'jp-mod-accept jp-AskDB-submit', () => this._onSubmit());
    this._build();
    this._setState('loading', 'Loading projects…');
  }

  /** What the panel is doing now. */
  get state(): PanelState {
    return this._state;
  }

  /** The settings in force; results are drawn again when they change. */
  get settings(): IAskDBSettings {
    return this._settings;
  }
  set settings(value: IAskDBSettings) {
    const first = this._settingsApplied === false;
    this._settings = value;
    this._settingsApplied = true;
    this._turns.forEach(view => view.refreshResult());
    if (first && this._projects.length > 0 && !this._memory.projectId && value.defaultProject) {
      void this.selectProject(this._pickProject());
    }
  }

  /** The open project's id, if any. */
  get projectId(): string | null {
    return this._projectId;
  }

  /** The open conversation's id, or null for a new, empty one. */
  get conversationId(): string | null {
    return this._conversationId;
  }

  /** Load the projects (again) and open the remembered or default one. */
  async refresh(): Promise<void> {
    this._setState('loading', 'Loading projects…');
    try {
      this._memory = await this._options.memory.load();
      this._projects = await this._client.listProjects();
    } catch (error) {
      this._projects = [];
      this._renderProjects();
      this._setState('error', errorMessage(error));
      return;
    }
    this._renderProjects();
    if (this._projects.length === 0) {
      this._usage.show(null);
      this._setState('empty', 'No projects yet: create one with %askdb connect in a notebook.');
      return;
    }
    await this.selectProject(this._pickProject());
  }

  /** Open a project: its conversations, and the one last open in it. A question asked
   * meanwhile waits for it (else opening the remembered conversation would clear its turn). */
  async selectProject(projectId: string): Promise<void> {
    const opening = this._openProject(projectId);
    this._opening = opening;
    try {
      await opening;
    } finally {
      if (this._opening === opening) {
        this._opening = null;
      }
    }
  }

  private async _openProject(projectId: string): Promise<void> {
    this.stop();
    this._projectId = projectId;
    this._project.value = projectId;
    this._memory.projectId = projectId;
    await this._options.memory.save(this._memory);
    const remembered = this._memory.conversations[projectId] ?? null;
    this._usage.show(null); // the previous project's figures must not stay up meanwhile
    const note = unsafeNote(this._projects.find(p => p.id === projectId)?.unsafe);
    this._unsafe.textContent = note ?? '';
    this._unsafe.hidden = note === null;
    void this.refreshUsage();
    await this._loadConversations();
    const exists = this._conversationList.some(c => c.id === remembered);
    await this.openConversation(exists ? remembered : null);
  }

  /** Show a conversation's turns, or an empty new conversation for null. */
  async openConversation(conversationId: string | null): Promise<void> {
    this.stop();
    this._clearTurns();
    this._conversationId = conversationId;
    this._remember();
    this._renderConversations();
    if (conversationId === null) {
      this._setState('idle', '');
      this._placeholder();
      return;
    }
    this._setState('loading', 'Loading the conversation…');
    try {
      const detail = await this._client.getConversation(conversationId);
      if (this._conversationId !== conversationId) {
        return; // the user switched again meanwhile
      }
      detail.messages.forEach(m => this._addTurn(turnFromMessage(m, detail.id)));
      this._setState('idle', '');
      this._placeholder();
      this._scrollToEnd();
    } catch (error) {
      this._setState('idle', '');
      this._showNotice(errorMessage(error), true);
    }
  }

  /** Start a new, empty conversation (the first question creates it on the server). */
  newConversation(): Promise<void> {
    return this.openConversation(null);
  }

  /** Ask `question` in the open conversation; resolves when the answer is complete. */
  async ask(question: string): Promise<void> {
    while (this._opening) {
      await this._opening.catch(() => undefined);
    }
    question = question.trim();
    if (!question || this._state === 'asking' || !this._projectId) {
      return;
    }
    const projectId = this._projectId;
    this._input.value = '';
    const abort = new AbortController();
    this._abort = abort;
    this._setState('asking', '');
    this.node.querySelector('.jp-AskDB-placeholder')?.remove();
    let turn = newTurn(question);
    const view = this._addTurn(turn);
    const marks = new AskTimer();
    this._scrollToEnd();
    const onEvent = (event: AnswerEvent) => {
      marks.event(event);
      turn = applyEvent(turn, event);
      view.update(turn);
      if (event.type === 'rows') {
        marks.table();
      }
      this._scrollToEnd();
    };
    try {
      const conversationId = await this._ensureConversation(projectId, question);
      turn = { ...turn, conversationId };
      await this._client.ask(projectId, question, {
        conversationId,
        onEvent,
        signal: abort.signal
      });
      turn = endTurn(turn);
    } catch (error) {
      turn =
        isAbortError(error) || abort.signal.aborted
          ? cancelTurn(turn)
          : failTurn(turn, errorMessage(error), errorCode(error), retryAfter(error));
    }
    view.update(turn);
    if (this._abort === abort) {
      this._abort = null;
      this._setState('idle', '');
    }
    this._scrollToEnd();
    if (this._projectId === projectId) {
      void this._loadConversations();
      void this.refreshUsage();
    }
  }

  /** Read the open project's usage again and show it (hidden where quotas are not enforced). */
  async refreshUsage(): Promise<void> {
    const projectId = this._projectId;
    if (!projectId) {
      this._usage.show(null);
      return;
    }
    let usage: IUsage | null = null;
    try {
      usage = await this._client.getUsage(projectId);
    } catch (error) {
      // An older server, or no right to read usage: the panel works without the line.
      console.warn('AskDB: cannot read the usage of project', projectId, error);
    }
    if (this._projectId === projectId) {
      this._usage.show(usage);
    }
  }

  /** Stop the running answer, if any: the stream closes and the server cancels the work. */
  stop(): void {
    if (this._abort) {
      this._abort.abort();
      this._abort = null;
      this._setState('idle', '');
    }
  }

  /** Focus the question box. */
  focusInput(): void {
    this._input.focus();
  }

  protected onActivateRequest(): void {
    this.focusInput();
  }

  protected onBeforeDetach(): void {
    this._clearTurns();
  }

  private async _ensureConversation(projectId: string, question: string): Promise<string> {
    if (this._conversationId) {
      return this._conversationId;
    }
    const conversation = await this._client.createConversation(projectId, question);
    if (this._projectId === projectId) {
      this._conversationId = conversation.id;
      this._remember();
    }
    return conversation.id;
  }

  private async _loadConversations(): Promise<void> {
    if (!this._projectId) {
      return;
    }
    try {
      this._conversationList = await this._client.listConversations(this._projectId);
      this._showNotice('', false);
    } catch (error) {
      this._conversationList = [];
      this._showNotice(errorMessage(error), true);
    }
    this._renderConversations();
  }

  private _renderConversations(): void {
    renderConversationList(this._conversations, this._conversationList, this._conversationId, {
      open: c => void this.openConversation(c.id),
      rename: c => void this._rename(c),
      remove: c => void this._delete(c)
    });
    this._conversations.hidden = this._conversationList.length === 0;
  }

  private async _rename(conversation: IConversation): Promise<void> {
    const answer = await InputDialog.getText({
      title: 'Rename conversation',
      text: conversation.title,
      okLabel: 'Rename'
    });
    const title = answer.value?.trim();
    if (!answer.button.accept || !title) {
      return;
    }
    try {
      await this._client.renameConversation(conversation.id, title);
    } catch (error) {
      this._showNotice(errorMessage(error), true);
    }
    await this._loadConversations();
  }

  private async _delete(conversation: IConversation): Promise<void> {
    const answer = await showDialog({
      title: 'Delete conversation',
      body: `Delete “${conversation.title}” and its questions?`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      await this._client.deleteConversation(conversation.id);
    } catch (error) {
      this._showNotice(errorMessage(error), true);
      return;
    }
    if (conversation.id === this._conversationId) {
      await this.openConversation(null);
    }
    await this._loadConversations();
  }

  private _pickProject(): string {
    const ids = this._projects.map(p => p.id);
    const remembered = this._memory.projectId;
    if (remembered && ids.includes(remembered)) {
      return remembered;
    }
    const preferred = this._settings.defaultProject;
    const match = this._projects.find(p => p.id === preferred || p.name === preferred);
    return (match ?? this._projects[0]).id;
  }

  private _renderProjects(): void {
    this._project.replaceChildren(
      ...this._projects.map(p => {
        const option = h('option', '', projectLabel(p));
        option.value = p.id;
        return option;
      })
    );
    this._project.disabled = this._projects.length === 0;
  }

  private _addTurn(turn: ITurn): TurnView {
    const view = new TurnView(turn, {
      highlight: this._options.highlight,
      insertIntoNotebook: this._options.insertIntoNotebook,
      settings: () => this._settings
    });
    this._turns.push(view);
    this._messages.append(view.node);
    return view;
  }

  private _clearTurns(): void {
    this._turns.forEach(view => view.dispose());
    this._turns = [];
    this._messages.replaceChildren();
  }

  private _placeholder(): void {
    if (this._turns.length === 0) {
      const project = this._projects.find(p => p.id === this._projectId);
      const text = project
        ? `Ask a question about ${project.name}, e.g. “how many rows per …?”`
        : 'Pick a project, then ask a question.';
      this._messages.append(h('div', 'jp-AskDB-placeholder', text));
    }
  }

  private _remember(): void {
    if (!this._projectId) {
      return;
    }
    if (this._conversationId) {
      this._memory.conversations[this._projectId] = this._conversationId;
    } else {
      delete this._memory.conversations[this._projectId];
    }
    void this._options.memory.save(this._memory);
  }

  private _onSubmit(): void {
    if (this._state === 'asking') {
      this.stop();
    } else {
      void this.ask(this._input.value);
    }
  }

  private _build(): void {
    const header = h('div', 'jp-AskDB-header');
    header.append(h('h2', 'jp-AskDB-title', 'AskDB'), this._project);
    const refresh = button('', 'jp-AskDB-refresh', () => void this.refresh());
    refresh.title = 'Reload the projects';
    refresh.setAttribute('aria-label', 'Reload the projects');
    refreshIcon.element({ container: refresh, elementPosition: 'center' });
    header.append(refresh);
    const bar = h('div', 'jp-AskDB-conversationBar');
    bar.append(h('span', 'jp-AskDB-conversationsLabel', 'Conversations'));
    bar.append(button('New conversation', 'jp-AskDB-new', () => void this.newConversation()));
    this._input.rows = 2;
    this._input.placeholder = 'Ask a question about your data (Enter to send)';
    this._input.addEventListener('keydown', event => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this._onSubmit();
      }
    });
    const form = h('div', 'jp-AskDB-form');
    form.append(this._input, this._submit);
    this._unsafe.hidden = true;
    this._unsafe.setAttribute('role', 'status');
    this.node.append(
      header,
      this._unsafe,
      bar,
      this._conversations,
      this._notice,
      this._messages,
      this._usage.node,
      form
    );
  }

  private _setState(state: PanelState, message: string): void {
    this._state = state;
    this.node.dataset.state = state;
    const busy = state === 'asking';
    this._submit.textContent = busy ? 'Stop' : 'Ask';
    this._submit.classList.toggle('jp-mod-accept', !busy);
    this._submit.classList.toggle('jp-mod-warn', busy);
    this._submit.disabled = state === 'loading' || state === 'empty' || state === 'error';
    this._input.disabled = this._submit.disabled;
    this._project.disabled = busy || this._projects.length === 0;
    this._showNotice(message, state === 'error');
  }

  private _showNotice(message: string, isError: boolean): void {
    this._notice.textContent = message;
    this._notice.hidden = !message;
    this._notice.classList.toggle('jp-mod-error', isError);
    if (isError) {
      this._notice.setAttribute('role', 'alert');
    } else {
      this._notice.removeAttribute('role');
    }
  }

  private _scrollToEnd(): void {
    this._messages.scrollTop = this._messages.scrollHeight;
  }

  private readonly _options: IAskDBPanelOptions;
  private readonly _client: AskDBClient;
  private readonly _project: HTMLSelectElement;
  private readonly _conversations: HTMLUListElement;
  private readonly _notice: HTMLElement;
  private readonly _messages: HTMLElement;
  private readonly _usage: UsageLine;
  private readonly _unsafe = h('div', 'jp-AskDB-warning jp-AskDB-unsafe');
  private _opening: Promise<void> | null = null;
  private readonly _input: HTMLTextAreaElement;
  private readonly _submit: HTMLButtonElement;
  private _state: PanelState = 'loading';
  private _settings: IAskDBSettings = { ...DEFAULT_SETTINGS };
  private _settingsApplied = false;
  private _projects: IProject[] = [];
  private _projectId: string | null = null;
  private _conversationId: string | null = null;
  private _conversationList: IConversation[] = [];
  private _memory: IPanelMemory = emptyMemory();
  private _turns: TurnView[] = [];
  private _abort: AbortController | null = null;
}

/**
 * Performance marks of an ask (`askdb:ask`, `askdb:first-event`, `askdb:table`), so the time
 * from Enter to the first streamed event and to the result table can be read in the browser.
 */
class AskTimer {
  constructor() {
    performance.mark('askdb:ask');
  }

  event(_event: AnswerEvent): void {
    if (!this._first) {
      this._first = true;
      performance.mark('askdb:first-event');
    }
  }

  table(): void {
    performance.mark('askdb:table');
  }

  private _first = false;
}

function projectLabel(project: IProject): string {
  return project.dialect ? `${project.name} (${project.dialect})` : project.name;
}

function errorMessage(error: unknown): string {
  if (error instanceof AskDBAPIError) {
    return error.detail;
  }
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string | null {
  return error instanceof AskDBAPIError ? error.code : null;
}

function retryAfter(error: unknown): number | null {
  return error instanceof AskDBAPIError ? error.retryAfter : null;
}
