/**
 * What the panel remembers across reloads: the chosen project and, per project, the open
 * conversation. Kept in JupyterLab's state database (saved with the workspace) and mirrored in
 * localStorage, which is written at once, so a reload right after asking finds it too.
 */
import { IStateDB } from '@jupyterlab/statedb';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

export interface IPanelMemory {
  projectId: string | null;
  /** The open conversation of each project, by project id. */
  conversations: Record<string, string>;
}

const KEY = 'askdb:panel';

/** An empty memory. */
export function emptyMemory(): IPanelMemory {
  return { projectId: null, conversations: {} };
}

/** Checks a stored value, keeping only what has the right shape. */
export function parseMemory(value: unknown): IPanelMemory {
  const memory = emptyMemory();
  if (!value || typeof value !== 'object') {
    return memory;
  }
  const v = value as Record<string, unknown>;
  if (typeof v.projectId === 'string' && v.projectId) {
    memory.projectId = v.projectId;
  }
  if (v.conversations && typeof v.conversations === 'object') {
    for (const [project, conv] of Object.entries(v.conversations as Record<string, unknown>)) {
      if (typeof conv === 'string' && conv) {
        memory.conversations[project] = conv;
      }
    }
  }
  return memory;
}

/** Loads and saves the panel's memory. */
export class PanelMemoryStore {
  constructor(state: IStateDB | null, storage: Storage | null = safeLocalStorage()) {
    this._state = state;
    this._storage = storage;
  }

  /** The remembered state: localStorage first (freshest), else the state database. */
  async load(): Promise<IPanelMemory> {
    const local = this._storage?.getItem(KEY);
    if (local) {
      try {
        return parseMemory(JSON.parse(local));
      } catch {
        // fall through to the state database
      }
    }
    if (this._state) {
      try {
        return parseMemory(await this._state.fetch(KEY));
      } catch (error) {
        console.warn('AskDB: cannot read the panel state', error);
      }
    }
    return emptyMemory();
  }

  /** Remember `memory`. */
  async save(memory: IPanelMemory): Promise<void> {
    this._storage?.setItem(KEY, JSON.stringify(memory));
    if (this._state) {
      await this._state
        .save(KEY, memory as unknown as ReadonlyPartialJSONObject)
        .catch(error => console.warn('AskDB: cannot save the panel state', error));
    }
  }

  private readonly _state: IStateDB | null;
  private readonly _storage: Storage | null;
}

function safeLocalStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // blocked by the browser's privacy settings
  }
}
