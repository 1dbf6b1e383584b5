/**
 * The AskDB side panel: pick a project, ask, watch the answer stream in, stop it, follow up,
 * and manage the project's conversations. A view only: `PanelController` (../controller.ts)
 * holds the state and talks to the AskDB REST API; the panel draws what it says on each change
 * and hands it the user's actions.
 */
import { Dialog, InputDialog, showDialog } from '@jupyterlab/apputils';
import { refreshIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { IProject } from '../api';
import { PanelAPI, PanelChange, PanelController, PanelMemory, PanelState } from '../controller';
import { SQLHighlighter } from '../highlight';
import { askdbIcon } from '../icons';
import { IConversation, ITurn, unsafeNote } from '../models';
import { IAskDBSettings } from '../settings';
import { renderConversationList } from './conversations';
import { button, h } from './dom';
import { TurnView } from './turn';
import { UsageLine } from './usage';

export type { PanelState } from '../controller';

export interface IAskDBPanelOptions {
  /** The AskDB REST API (an `AskDBClient`). */
  client: PanelAPI;
  /** Where the open project and conversations are remembered (a `PanelMemoryStore`). */
  memory: PanelMemory;
  highlight: SQLHighlighter;
  insertIntoNotebook: (sql: string) => Promise<void>;
}

export class AskDBPanel extends Widget {
  constructor(options: IAskDBPanelOptions) {
    super();
    this._options = options;
    this._controller = new PanelController({ api: options.client, memory: options.memory });
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
    this._controller.changed.connect(this._onChange);
    this._renderState();
    this._renderNotice();
  }

  /** The panel's state and actions, without the DOM. */
  get controller(): PanelController {
    return this._controller;
  }

  /** What the panel is doing now. */
  get state(): PanelState {
    return this._controller.state;
  }

  /** The settings in force; results are drawn again when they change. */
  get settings(): IAskDBSettings {
    return this._controller.settings;
  }
  set settings(value: IAskDBSettings) {
    this._controller.settings = value;
    this._turns.forEach(view => view.refreshResult());
  }

  /** The open project's id, if any. */
  get projectId(): string | null {
    return this._controller.projectId;
  }

  /** The open conversation's id, or null for a new, empty one. */
  get conversationId(): string | null {
    return this._controller.conversationId;
  }

  /** Load the projects (again) and open the remembered or default one. */
  refresh(): Promise<void> {
    return this._controller.refresh();
  }

  /** Open a project: its conversations, and the one last open in it. */
  selectProject(projectId: string): Promise<void> {
    return this._controller.selectProject(projectId);
  }

  /** Show a conversation's turns, or an empty new conversation for null. */
  openConversation(conversationId: string | null): Promise<void> {
    return this._controller.openConversation(conversationId);
  }

  /** Start a new, empty conversation (the first question creates it on the server). */
  newConversation(): Promise<void> {
    return this._controller.newConversation();
  }

  /** Ask `question` in the open conversation; resolves when the answer is complete. */
  ask(question: string): Promise<void> {
    return this._controller.ask(question);
  }

  /** Read the open project's usage again and show it (hidden where quotas are not enforced). */
  refreshUsage(): Promise<void> {
    return this._controller.refreshUsage();
  }

  /** Stop the running answer, if any: the stream closes and the server cancels the work. */
  stop(): void {
    this._controller.stop();
  }

  /** Focus the question box. */
  focusInput(): void {
    this._input.focus();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._controller.stop();
    this._controller.changed.disconnect(this._onChange);
    this._clearTurns();
    super.dispose();
  }

  protected onActivateRequest(): void {
    this.focusInput();
  }

  protected onBeforeDetach(): void {
    this._clearTurns();
  }

  private readonly _onChange = (_sender: PanelController, change: PanelChange): void => {
    switch (change.type) {
      case 'state':
        this._renderState();
        break;
      case 'notice':
        this._renderNotice();
        break;
      case 'projects':
        this._renderProjects();
        break;
      case 'project':
        this._renderProject();
        break;
      case 'conversations':
        this._renderConversations();
        break;
      case 'turns':
        this._renderTurns();
        break;
      case 'turn':
        this._renderTurn(change.index);
        break;
      case 'asked':
        this._input.value = '';
        this._messages.querySelector('.jp-AskDB-placeholder')?.remove();
        break;
      case 'usage':
        this._usage.show(this._controller.usage);
        break;
    }
  };

  private _renderState(): void {
    const state = this._controller.state;
    this.node.dataset.state = state;
    const busy = state === 'asking';
    this._submit.textContent = busy ? 'Stop' : 'Ask';
    this._submit.classList.toggle('jp-mod-accept', !busy);
    this._submit.classList.toggle('jp-mod-warn', busy);
    this._submit.disabled = state === 'loading' || state === 'empty' || state === 'error';
    this._input.disabled = this._submit.disabled;
    this._project.disabled = busy || this._controller.projects.length === 0;
  }

  private _renderNotice(): void {
    const { text, isError } = this._controller.notice;
    this._notice.textContent = text;
    this._notice.hidden = !text;
    this._notice.classList.toggle('jp-mod-error', isError);
    if (isError) {
      this._notice.setAttribute('role', 'alert');
    } else {
      this._notice.removeAttribute('role');
    }
  }

  private _renderProjects(): void {
    const projects = this._controller.projects;
    this._project.replaceChildren(
      ...projects.map(p => {
        const option = h('option', '', projectLabel(p));
        option.value = p.id;
        return option;
      })
    );
    this._project.disabled = projects.length === 0;
  }

  private _renderProject(): void {
    this._project.value = this._controller.projectId ?? '';
    const note = unsafeNote(this._controller.project?.unsafe);
    this._unsafe.textContent = note ?? '';
    this._unsafe.hidden = note === null;
  }

  private _renderConversations(): void {
    const list = this._controller.conversations;
    renderConversationList(this._conversations, list, this._controller.conversationId, {
      open: c => void this.openConversation(c.id),
      rename: c => void this._rename(c),
      remove: c => void this._delete(c)
    });
    this._conversations.hidden = list.length === 0;
  }

  /** Draw the turns anew (another conversation), or the invitation to a first question. */
  private _renderTurns(): void {
    this._clearTurns();
    this._controller.turns.forEach(turn => this._addTurnView(turn));
    if (this._controller.placeholder) {
      const project = this._controller.project;
      const text = project
        ? `Ask a question about ${project.name}, e.g. “how many rows per …?”`
        : 'Pick a project, then ask a question.';
      this._messages.append(h('div', 'jp-AskDB-placeholder', text));
    }
    this._scrollToEnd();
  }

  /** Draw the turn at `index`, added or changed. */
  private _renderTurn(index: number): void {
    const turn = this._controller.turns[index];
    if (index < this._turns.length) {
      this._turns[index].update(turn);
    } else if (index === this._turns.length) {
      this._addTurnView(turn);
    } else {
      this._renderTurns(); // the views were cleared (the panel was detached)
      return;
    }
    this._scrollToEnd();
  }

  private _addTurnView(turn: ITurn): void {
    const view = new TurnView(turn, {
      highlight: this._options.highlight,
      insertIntoNotebook: this._options.insertIntoNotebook,
      settings: () => this._controller.settings
    });
    this._turns.push(view);
    this._messages.append(view.node);
  }

  private _clearTurns(): void {
    this._turns.forEach(view => view.dispose());
    this._turns = [];
    this._messages.replaceChildren();
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
    await this._controller.renameConversation(conversation.id, title);
  }

  private async _delete(conversation: IConversation): Promise<void> {
    const answer = await showDialog({
      title: 'Delete conversation',
      body: `Delete “${conversation.title}” and its questions?`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
    });
    if (answer.button.accept) {
      await this._controller.deleteConversation(conversation.id);
    }
  }

  private _onSubmit(): void {
    if (this._controller.state === 'asking') {
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

  private _scrollToEnd(): void {
    this._messages.scrollTop = this._messages.scrollHeight;
  }

  private readonly _options: IAskDBPanelOptions;
  private readonly _controller: PanelController;
  private readonly _project: HTMLSelectElement;
  private readonly _conversations: HTMLUListElement;
  private readonly _notice: HTMLElement;
  private readonly _messages: HTMLElement;
  private readonly _usage: UsageLine;
  private readonly _unsafe = h('div', 'jp-AskDB-warning jp-AskDB-unsafe');
  private readonly _input: HTMLTextAreaElement;
  private readonly _submit: HTMLButtonElement;
  private _turns: TurnView[] = [];
}

function projectLabel(project: IProject): string {
  return project.dialect ? `${project.name} (${project.dialect})` : project.name;
}
