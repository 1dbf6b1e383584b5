/** What the panel remembers, and the settings it reads. */
import { describe, expect, it } from 'vitest';

import { PanelMemoryStore, parseMemory } from '../src/memory';
import { DEFAULT_SETTINGS, readSettings } from '../src/settings';

class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  clear(): void {
    this.items.clear();
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

describe('PanelMemoryStore', () => {
  it('remembers the project and each project’s conversation across instances', async () => {
    const storage = new MemoryStorage();
    await new PanelMemoryStore(null, storage).save({
      projectId: 'p1',
      conversations: { p1: 'c9' }
    });
    expect(await new PanelMemoryStore(null, storage).load()).toEqual({
      projectId: 'p1',
      conversations: { p1: 'c9' }
    });
  });

  it('starts empty, and survives garbage in storage', async () => {
    const storage = new MemoryStorage();
    expect(await new PanelMemoryStore(null, storage).load()).toEqual({
      projectId: null,
      conversations: {}
    });
    storage.setItem('askdb:panel', '{not json');
    expect(await new PanelMemoryStore(null, storage).load()).toEqual({
      projectId: null,
      conversations: {}
    });
  });

  it('keeps only well-formed entries', () => {
    expect(parseMemory({ projectId: 3, conversations: { a: 'c1', b: 2, c: '' } })).toEqual({
      projectId: null,
      conversations: { a: 'c1' }
    });
  });
});

describe('readSettings', () => {
  it('takes valid values and falls back to the defaults otherwise', () => {
    expect(readSettings({ defaultProject: ' shop ', rowsShown: 20, showCharts: false })).toEqual({
      defaultProject: 'shop',
      rowsShown: 20,
      showCharts: false
    });
    expect(readSettings({ rowsShown: 0, showCharts: 'yes' })).toEqual(DEFAULT_SETTINGS);
    expect(readSettings({})).toEqual(DEFAULT_SETTINGS);
  });
});
