/**
 * What the AskDB panel knows and does, with no DOM in it: the projects, the open project and
 * conversation, the turns shown, the answer streaming in and how to stop it. The panel
 * (widgets/panel.ts) renders this state on each `changed` signal and forwards the user's actions.
 *
 * Answers arrive while the user goes on clicking, so every response is checked against what is
 * open when it lands (sequence numbers), and a stopped or replaced stream's events are dropped.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { AskDBAPIError, AskDBClient, IProject, isAbortError } from './api';
import { IPanelMemory, PanelMemoryStore, emptyMemory } from './memory';
import {
  AnswerEvent,
  IConversation,
  ITurn,
  applyEvent,
  cancelTurn,
  endTurn,
  failTurn,
  newTurn,
  turnFromMessage
} from './models';
import { DEFAULT_SETTINGS, IAskDBSettings } from './settings';
import { IUsage } from './usage';

/** What the panel is doing; also its `data-state` attribute, which the browser tests read. */
export type PanelState = 'loading' | 'empty' | 'error' | 'idle' | 'asking';

/** The calls of the AskDB REST API the panel makes; an `AskDBClient` is one. */
export type PanelAPI = Pick<
  AskDBClient,
  | 'listProjects'
  | 'getUsage'
  | 'listConversations'
  | 'createConversation'
  | 'getConversation'
  | 'renameConversation'
  | 'deleteConversation'
  | 'ask'
>;

/** Where the panel's memory lives; a `PanelMemoryStore` is one. */
export type PanelMemory = Pick<PanelMemoryStore, 'load' | 'save'>;

/** The line under the conversation list: a progress message or an error's reason. */
export interface IPanelNotice {
  text: string;
  isError: boolean;
}

/** What changed; the panel redraws that part, reading the controller's getters. */
export type PanelChange =
  | { type: 'state' } // `state`
  | { type: 'notice' } // `notice`
  | { type: 'projects' } // `projects`
  | { type: 'project' } // `projectId`, `project`
  | { type: 'conversations' } // `conversations`, `conversationId`
  | { type: 'turns' } // `turns` replaced (another conversation), `placeholder`
  | { type: 'turn'; index: number } // `turns[index]` added or changed
  | { type: 'asked'; question: string } // a question was taken: the question box empties
  | { type: 'usage' }; // `usage`

export interface IPanelControllerOptions {
  api: PanelAPI;
  memory: PanelMemory;
}

export class PanelController {
  constructor(options: IPanelControllerOptions) {
    this._api = options.api;
    this._store = options.memory;
  }

  /** Emitted after each change of the state below. */
  get changed(): ISignal<this, PanelChange> {
    return this._changed;
  }

  /** What the panel is doing now. */
  get state(): PanelState {
    return this._state;
  }

  /** The notice to show ('' for none). */
  get notice(): IPanelNotice {
    return this._notice;
  }

  /** The projects the user can see, as last loaded. */
  get projects(): readonly IProject[] {
    return this._projects;
  }

  /** The open project's id, if any. */
  get projectId(): string | null {
    return this._projectId;
  }

  /** The open project, if it is in the list. */
  get project(): IProject | null {
    return this._projects.find(p => p.id === this._projectId) ?? null;
  }

  /** The open project's conversations, most recent first. */
  get conversations(): readonly IConversation[] {
    return this._conversations;
  }

  /** The open conversation's id, or null for a new, empty one. */
  get conversationId(): string | null {
    return this._conversationId;
  }

  /** The open conversation's turns, oldest first; the last may be streaming. */
  get turns(): readonly ITurn[] {
    return this._turns;
  }

  /** True when the open conversation is new and empty: the panel invites a first question. */
  get placeholder(): boolean {
    return this._placeholder;
  }

  /** The open project's usage, or null (not read yet, unreadable, or none open). */
  get usage(): IUsage | null {
    return this._usage;
  }

  /** The settings in force. The first ones set may open the default project. */
  get settings(): IAskDBSettings {
    return this._settings;
  }
  set settings(value: IAskDBSettings) {
    const first = !this._settingsApplied;
    this._settings = value;
    this._settingsApplied = true;
    if (first && this._projects.length > 0 && !this._memory.projectId && value.defaultProject) {
      void this.selectProject(this._pickProject());
    }
  }

  /** Load the projects (again) and open the remembered or default one. */
  refresh(): Promise<void> {
    return this._opening(this._refresh());
  }

  /** Open a project: its conversations, and the one last open in it. */
  selectProject(projectId: string): Promise<void> {
    return this._opening(this._openProject(projectId));
  }

  /** Show a conversation's turns, or an empty new conversation for null. */
  openConversation(conversationId: string | null): Promise<void> {
    return this._opening(this._openConversation(conversationId));
  }

  /** Start a new, empty conversation (the first question creates it on the server). */
  newConversation(): Promise<void> {
    return this.openConversation(null);
  }

  /**
   * Ask `question` in the open conversation; resolves when the answer is complete. A question
   * asked while a project or conversation opens waits for it (else opening it would stop the
   * question and clear its turn), then goes to what is open by then.
   */
  async ask(question: string): Promise<void> {
    while (this._pending.size > 0) {
      await Promise.allSettled([...this._pending]);
    }
    question = question.trim();
    if (!question || this._state !== 'idle' || !this._projectId) {
      return;
    }
    const projectId = this._projectId;
    const opened = this._conversationSeq;
    const abort = new AbortController();
    this._abort = abort;
    this._placeholder = false;
    this._emit({ type: 'asked', question });
    this._setState('asking', '');
    let turn = newTurn(question);
    const show = this._addTurn(turn);
    const marks = new AskTimer();
    let listening = true;
    const onEvent = (event: AnswerEvent) => {
      if (!listening || abort.signal.aborted) {
        return; // late: the stream was stopped or replaced
      }
      marks.event();
      turn = applyEvent(turn, event);
      show(turn);
      if (event.type === 'rows') {
        marks.table();
      }
    };
    let failure: { error: unknown } | null = null;
    try {
      const conversationId = await this._ensureConversation(projectId, question, opened);
      turn = { ...turn, conversationId };
      await this._api.ask(projectId, question, { conversationId, onEvent, signal: abort.signal });
    } catch (error) {
      failure = { error };
    }
    listening = false;
    show(finalTurn(turn, abort.signal.aborted, failure));
    if (this._abort === abort) {
      this._abort = null;
      this._setState('idle', '');
    }
    if (this._projectId === projectId) {
      void this._loadConversations();
      void this.refreshUsage();
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

  /** Read the open project's usage again (none where quotas are not enforced or readable). */
  async refreshUsage(): Promise<void> {
    const projectId = this._projectId;
    if (!projectId) {
      this._setUsage(null);
      return;
    }
    const seq = ++this._usageSeq;
    let usage: IUsage | null = null;
    try {
      usage = await this._api.getUsage(projectId);
    } catch (error) {
      // An older server, or no right to read usage: the panel works without the line.
      console.warn('AskDB: cannot read the usage of project', projectId, error);
    }
    if (seq === this._usageSeq && this._projectId === projectId) {
      this._setUsage(usage);
    }
  }

  /** Give a conversation a new title, then list the conversations again. */
  async renameConversation(conversationId: string, title: string): Promise<void> {
    try {
      await this._api.renameConversation(conversationId, title);
    } catch (error) {
      this._setNotice(errorMessage(error), true);
    }
    await this._loadConversations();
  }

  /** Delete a conversation; the open one gives way to a new, empty conversation. */
  async deleteConversation(conversationId: string): Promise<void> {
    try {
      await this._api.deleteConversation(conversationId);
    } catch (error) {
      this._setNotice(errorMessage(error), true);
      return;
    }
    if (conversationId === this._conversationId) {
      await this.openConversation(null);
    }
    await this._loadConversations();
  }

  /** Run `work` as an opening, which a question waits for. */
  private async _opening(work: Promise<void>): Promise<void> {
    this._pending.add(work);
    try {
      await work;
    } finally {
      this._pending.delete(work);
    }
  }

  private async _refresh(): Promise<void> {
    const seq = ++this._refreshSeq;
    this._setState('loading', 'Loading projects…');
    let projects: IProject[];
    try {
      this._memory = await this._store.load();
      projects = await this._api.listProjects();
    } catch (error) {
      if (seq === this._refreshSeq) {
        this._setProjects([]);
        this._setState('error', errorMessage(error));
      }
      return;
    }
    if (seq !== this._refreshSeq) {
      return; // a newer refresh answers
    }
    this._setProjects(projects);
    if (projects.length === 0) {
      this._setUsage(null);
      this._setState('empty', 'No projects yet: create one with %askdb connect in a notebook.');
      return;
    }
    await this.selectProject(this._pickProject());
  }

  private async _openProject(projectId: string): Promise<void> {
    this.stop();
    const seq = ++this._projectSeq;
    this._conversationSeq++; // a conversation of the previous project still loading is dropped
    this._projectId = projectId;
    this._memory.projectId = projectId;
    this._emit({ type: 'project' });
    this._setUsage(null); // the previous project's figures must not stay up meanwhile
    await this._store.save(this._memory);
    if (seq !== this._projectSeq) {
      return; // another project was picked meanwhile
    }
    const remembered = this._memory.conversations[projectId] ?? null;
    void this.refreshUsage();
    const listed = await this._loadConversations();
    if (seq !== this._projectSeq) {
      return;
    }
    const exists = listed.some(c => c.id === remembered);
    await this.openConversation(exists ? remembered : null);
  }

  private async _openConversation(conversationId: string | null): Promise<void> {
    this.stop();
    const seq = ++this._conversationSeq;
    this._setTurns([], conversationId === null);
    this._conversationId = conversationId;
    this._remember();
    this._emit({ type: 'conversations' });
    if (conversationId === null) {
      this._setState('idle', '');
      return;
    }
    this._setState('loading', 'Loading the conversation…');
    try {
      const detail = await this._api.getConversation(conversationId);
      if (seq !== this._conversationSeq) {
        return; // the user switched again meanwhile
      }
      const turns = detail.messages.map(m => turnFromMessage(m, detail.id));
      this._setTurns(turns, turns.length === 0);
      this._setState('idle', '');
    } catch (error) {
      if (seq !== this._conversationSeq) {
        return;
      }
      this._setState('idle', '');
      this._setNotice(errorMessage(error), true);
    }
  }

  /** The open conversation's id; the first question of a new one creates it on the server. */
  private async _ensureConversation(
    projectId: string,
    question: string,
    opened: number
  ): Promise<string> {
    if (this._conversationId) {
      return this._conversationId;
    }
    const conversation = await this._api.createConversation(projectId, question);
    if (this._conversationSeq === opened) {
      this._conversationId = conversation.id;
      this._remember();
      this._emit({ type: 'conversations' });
    }
    return conversation.id;
  }

  /**
   * List the open project's conversations and show them, unless a newer list or another
   * project came first; returns the list read ([] when it could not be read).
   */
  private async _loadConversations(): Promise<IConversation[]> {
    const projectId = this._projectId;
    if (!projectId) {
      return [];
    }
    const seq = ++this._listSeq;
    let list: IConversation[];
    let failure: string | null = null;
    try {
      list = await this._api.listConversations(projectId);
    } catch (error) {
      list = [];
      failure = errorMessage(error);
    }
    if (seq === this._listSeq && projectId === this._projectId) {
      this._conversations = list;
      this._setNotice(failure ?? '', failure !== null);
      this._emit({ type: 'conversations' });
    }
    return list;
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

  private _remember(): void {
    if (!this._projectId) {
      return;
    }
    if (this._conversationId) {
      this._memory.conversations[this._projectId] = this._conversationId;
    } else {
      delete this._memory.conversations[this._projectId];
    }
    void this._store.save(this._memory);
  }

  /** Add a turn; returns how to show a new state of it, which does nothing once it is gone. */
  private _addTurn(turn: ITurn): (turn: ITurn) => void {
    const epoch = this._turnsEpoch;
    const index = this._turns.length;
    this._turns.push(turn);
    this._emit({ type: 'turn', index });
    return next => {
      if (this._turnsEpoch === epoch) {
        this._turns[index] = next;
        this._emit({ type: 'turn', index });
      }
    };
  }

  private _setTurns(turns: ITurn[], placeholder: boolean): void {
    this._turnsEpoch++;
    this._turns = turns;
    this._placeholder = placeholder;
    this._emit({ type: 'turns' });
  }

  private _setProjects(projects: IProject[]): void {
    this._projects = projects;
    this._emit({ type: 'projects' });
  }

  private _setUsage(usage: IUsage | null): void {
    this._usage = usage;
    this._emit({ type: 'usage' });
  }

  private _setState(state: PanelState, message: string): void {
    this._state = state;
    this._emit({ type: 'state' });
    this._setNotice(message, state === 'error');
  }

  private _setNotice(text: string, isError: boolean): void {
    this._notice = { text, isError };
    this._emit({ type: 'notice' });
  }

  private _emit(change: PanelChange): void {
    this._changed.emit(change);
  }

  private readonly _api: PanelAPI;
  private readonly _store: PanelMemory;
  private readonly _changed = new Signal<this, PanelChange>(this);
  private _state: PanelState = 'loading';
  private _notice: IPanelNotice = { text: 'Loading projects…', isError: false };
  private _settings: IAskDBSettings = { ...DEFAULT_SETTINGS };
  private _settingsApplied = false;
  private _memory: IPanelMemory = emptyMemory();
  private _projects: IProject[] = [];
  private _projectId: string | null = null;
  private _conversations: IConversation[] = [];
  private _conversationId: string | null = null;
  private _turns: ITurn[] = [];
  private _placeholder = false;
  private _usage: IUsage | null = null;
  private _abort: AbortController | null = null;
  /** Openings in progress (project, conversation, refresh); a question waits for them. */
  private readonly _pending = new Set<Promise<void>>();
  // Each counts the requests of its kind; a response whose number is not the latest is stale.
  private _refreshSeq = 0;
  private _projectSeq = 0;
  private _conversationSeq = 0;
  private _listSeq = 0;
  private _usageSeq = 0;
  /** Bumped when the turns are replaced, so a stream of the old ones no longer shows. */
  private _turnsEpoch = 0;
}

/** How an ask's turn ends: stopped, failed, or (the stream over) complete or cut short. */
function finalTurn(turn: ITurn, stopped: boolean, failure: { error: unknown } | null): ITurn {
  if (stopped || (failure && isAbortError(failure.error))) {
    return cancelTurn(turn);
  }
  if (failure) {
    const { error } = failure;
    return failTurn(turn, errorMessage(error), errorCode(error), retryAfter(error));
  }
  return endTurn(turn);
}

/**
 * Performance marks of an ask (`askdb:ask`, `askdb:first-event`, `askdb:table`), so the time
 * from Enter to the first streamed event and to the result table can be read in the browser.
 * The panel draws a turn as the change is emitted, so a mark after it follows the drawing.
 */
class AskTimer {
  constructor() {
    performance.mark('askdb:ask');
  }

  event(): void {
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

/** The reason to show for an error: the server's detail, else the error's message. */
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
