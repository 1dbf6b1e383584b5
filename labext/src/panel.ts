/**
 * The AskDB side panel. For now it lists the user's projects; the chat comes later.
 */
import { Widget } from '@lumino/widgets';

import { AskDBClient, IProject } from './api';
import { askdbIcon } from './icons';

/** The user settings the panel reads (schema/plugin.json). */
export interface IAskDBSettings {
  defaultProject: string;
  rowsShown: number;
  showCharts: boolean;
}

export const DEFAULT_SETTINGS: IAskDBSettings = {
  defaultProject: '',
  rowsShown: 50,
  showCharts: true
};

/** What the project list currently shows. */
export type PanelState = 'loading' | 'ready' | 'empty' | 'error';

/** A left side-bar panel listing the projects from the AskDB server. */
export class AskDBPanel extends Widget {
  constructor(client: AskDBClient) {
    super();
    this._client = client;
    this.id = 'askdb-panel';
    this.addClass('jp-AskDBPanel');
    this.title.icon = askdbIcon;
    this.title.caption = 'AskDB';
    this.node.appendChild(this._header());
    this._status = this._append('div', 'jp-AskDBPanel-status');
    this._list = this._append('ul', 'jp-AskDBPanel-projects') as HTMLUListElement;
  }

  /** What the list shows now; tests and the browser checks read it from `data-state` too. */
  get state(): PanelState {
    return this._state;
  }

  /** The settings in force; setting them re-renders the list (the default project is marked). */
  get settings(): IAskDBSettings {
    return this._settings;
  }
  set settings(value: IAskDBSettings) {
    this._settings = value;
    this._render();
  }

  /** Fetch the project list again and show it, "No projects yet", or the error. */
  async refresh(): Promise<void> {
    this._setState('loading', 'Loading projects…');
    try {
      this._projects = await this._client.listProjects();
      this._error = '';
    } catch (error) {
      this._projects = [];
      this._error = error instanceof Error ? error.message : String(error);
    }
    this._loaded = true;
    this._render();
  }

  private _render(): void {
    this._list.replaceChildren(...this._projects.map(p => this._item(p)));
    if (!this._loaded) {
      // Settings arrived before the first answer: keep "Loading" until it comes.
      return;
    }
    if (this._error) {
      this._setState('error', this._error);
    } else if (this._projects.length === 0) {
      this._setState('empty', 'No projects yet');
    } else {
      this._setState('ready', '');
    }
  }

  private _item(project: IProject): HTMLLIElement {
    const li = document.createElement('li');
    li.className = 'jp-AskDBPanel-project';
    li.dataset.projectId = project.id;
    const preferred = this._settings.defaultProject;
    if (preferred && (project.id === preferred || project.name === preferred)) {
      li.classList.add('jp-mod-default');
    }
    const name = document.createElement('span');
    name.className = 'jp-AskDBPanel-projectName';
    name.textContent = project.name;
    const meta = document.createElement('span');
    meta.className = 'jp-AskDBPanel-projectMeta';
    const version = project.schema_version ? `schema v${project.schema_version}` : 'no schema';
    meta.textContent = [project.dialect ?? 'no database', version].join(' · ');
    li.append(name, meta);
    if (project.description) {
      li.title = project.description;
    }
    return li;
  }

  private _header(): HTMLElement {
    const header = document.createElement('div');
    header.className = 'jp-AskDBPanel-header';
    const title = document.createElement('h2');
    title.textContent = 'AskDB projects';
    const button = document.createElement('button');
    button.className = 'jp-Button jp-mod-minimal jp-AskDBPanel-refresh';
    button.textContent = 'Refresh';
    button.addEventListener('click', () => void this.refresh());
    header.append(title, button);
    return header;
  }

  private _append(tag: string, className: string): HTMLElement {
    const element = document.createElement(tag);
    element.className = className;
    this.node.appendChild(element);
    return element;
  }

  private _setState(state: PanelState, message: string): void {
    this._state = state;
    this.node.dataset.state = state;
    this._status.textContent = message;
    this._status.classList.toggle('jp-mod-error', state === 'error');
  }

  private readonly _client: AskDBClient;
  private readonly _status: HTMLElement;
  private readonly _list: HTMLUListElement;
  private _projects: IProject[] = [];
  private _error = '';
  private _loaded = false;
  private _state: PanelState = 'loading';
  private _settings: IAskDBSettings = { ...DEFAULT_SETTINGS };
}
