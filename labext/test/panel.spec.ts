// @vitest-environment happy-dom
/**
 * The panel as a view: it draws the controller's state with the classes and attributes the
 * browser tests (tests/e2e/test_panel.py) read, and hands the user's clicks and keys over.
 * JupyterLab's dialogs and icons are stubbed: they need a real browser's styles.
 */
import { Widget } from '@lumino/widgets';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('@jupyterlab/apputils', () => ({
  Clipboard: { copyToSystem: vi.fn() },
  Dialog: { cancelButton: vi.fn(), warnButton: vi.fn() },
  InputDialog: { getText: vi.fn() },
  showDialog: vi.fn()
}));
vi.mock('@jupyterlab/ui-components', () => ({
  LabIcon: class {},
  refreshIcon: { element: vi.fn() }
}));

import { AskDBPanel } from '../src/widgets/panel';
import { DONE, FakeAPI, FakeMemory, USAGE, conversation, detail, flush, project } from './fakes';

const panels: AskDBPanel[] = [];

afterEach(() => {
  panels.splice(0).forEach(panel => panel.dispose());
});

/** A panel attached to the page, its projects listed and `a` open on a new conversation. */
async function openPanel() {
  const fake = new FakeAPI();
  const panel = new AskDBPanel({
    client: fake.api,
    memory: new FakeMemory(),
    highlight: (sql, into) => {
      into.textContent = sql;
      return Promise.resolve();
    },
    insertIntoNotebook: () => Promise.resolve()
  });
  panels.push(panel);
  panel.settings = { defaultProject: '', rowsShown: 50, showCharts: false };
  Widget.attach(panel, document.body);
  const $ = (selector: string) => panel.node.querySelector<HTMLElement>(selector);
  const $$ = (selector: string) => Array.from(panel.node.querySelectorAll<HTMLElement>(selector));
  expect(panel.node.dataset.state).toBe('loading');
  const refreshed = panel.refresh();
  await fake.resolve('listProjects', [
    project('a'),
    project('b', { unsafe: ['allow_privileged'] })
  ]);
  await fake.resolve('listConversations', [conversation('c1', 'a')], 'a');
  await fake.resolve('getUsage', USAGE, 'a');
  await refreshed;
  return { fake, panel, $, $$ };
}

function press(input: HTMLElement, key: string): void {
  input.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
}

describe('AskDBPanel', () => {
  it('shows the projects, the conversations, the usage and a new conversation', async () => {
    const { panel, $, $$ } = await openPanel();
    expect(panel.id).toBe('askdb-panel');
    expect(panel.node.dataset.state).toBe('idle');
    expect($$('select.jp-AskDB-project option').map(o => o.textContent)).toEqual([
      'A (sqlite)',
      'B (sqlite)'
    ]);
    expect(($('select.jp-AskDB-project') as HTMLSelectElement).value).toBe('a');
    expect($$('.jp-AskDB-conversation').map(li => li.dataset.conversationId)).toEqual(['c1']);
    expect($$('.jp-AskDB-conversation.jp-mod-current')).toHaveLength(0);
    expect($('.jp-AskDB-placeholder')?.textContent).toMatch(/^Ask a question about A/);
    expect($('.jp-AskDB-usage')?.hidden).toBe(false);
    expect($('.jp-AskDB-usageText')?.textContent).toMatch(/^Calls today 1 \/ 5/);
    expect($('.jp-AskDB-unsafe')?.hidden).toBe(true);
    expect($('.jp-AskDB-submit')?.textContent).toBe('Ask');
    expect(($('.jp-AskDB-input') as HTMLTextAreaElement).disabled).toBe(false);
  });

  it('asks on Enter, streams the answer in, and marks the new conversation', async () => {
    const { fake, panel, $, $$ } = await openPanel();
    const input = $('textarea.jp-AskDB-input') as HTMLTextAreaElement;
    input.value = 'How many orders?';
    press(input, 'Enter');
    expect(input.value).toBe('');
    expect(panel.node.dataset.state).toBe('asking');
    expect($('.jp-AskDB-submit')?.textContent).toBe('Stop');
    expect($('.jp-AskDB-submit')?.classList.contains('jp-mod-warn')).toBe(true);
    expect($('.jp-AskDB-placeholder')).toBeNull();
    expect(($('select.jp-AskDB-project') as HTMLSelectElement).disabled).toBe(true);

    await fake.resolve('createConversation', detail('c-new', 'a', []));
    const stream = fake.stream();
    stream.send({ type: 'status', step: 'linking' }, { type: 'status', step: 'running' });
    const turn = $('.jp-AskDB-turn:last-child')!;
    expect(turn.dataset.phase).toBe('streaming');
    expect($$('.jp-AskDB-step').map(s => s.dataset.step)).toEqual(['linking', 'running']);
    expect($('.jp-AskDB-step.jp-mod-active')?.dataset.step).toBe('running');
    stream.send(
      { type: 'sql', sql: 'SELECT COUNT(*) FROM orders', explanation: null },
      { type: 'rows', columns: ['n'], rows: [[12]], row_count: 1, truncated: false },
      DONE
    );
    await stream.end();
    expect(turn.dataset.phase).toBe('done');
    expect(turn.querySelector('.jp-AskDB-sqlCode')?.getAttribute('data-sql')).toBe(
      'SELECT COUNT(*) FROM orders'
    );
    expect(Array.from(turn.querySelectorAll('.jp-AskDB-table td'), td => td.textContent)).toEqual([
      '12'
    ]);
    expect(panel.node.dataset.state).toBe('idle');
    await fake.resolve('listConversations', [conversation('c-new', 'a'), conversation('c1', 'a')]);
    expect($('.jp-AskDB-conversation.jp-mod-current')?.dataset.conversationId).toBe('c-new');
  });

  it('stops a running answer from its Stop button', async () => {
    const { fake, panel, $ } = await openPanel();
    void panel.ask('slow?');
    await fake.resolve('createConversation', detail('c-new', 'a', []));
    fake.stream().send({ type: 'status', step: 'running' });
    $('.jp-AskDB-submit')!.click();
    await flush();
    expect($('.jp-AskDB-turn:last-child')?.dataset.phase).toBe('cancelled');
    expect($('.jp-AskDB-error')?.dataset.code).toBe('query_cancelled');
    expect(panel.node.dataset.state).toBe('idle');
    expect($('.jp-AskDB-submit')?.textContent).toBe('Ask');
  });

  it('opens a conversation from the list, and a project flags unsafe settings', async () => {
    const { fake, panel, $, $$ } = await openPanel();
    $('[data-conversation-id="c1"] .jp-AskDB-conversationTitle')!.click();
    expect(panel.node.dataset.state).toBe('loading');
    await fake.resolve('getConversation', detail('c1', 'a', ['first?', 'second?']), 'c1');
    expect($$('.jp-AskDB-turn .jp-AskDB-question').map(q => q.textContent)).toEqual([
      'first?',
      'second?'
    ]);
    expect($('.jp-AskDB-conversation.jp-mod-current')?.dataset.conversationId).toBe('c1');

    const select = $('select.jp-AskDB-project') as HTMLSelectElement;
    select.value = 'b';
    select.dispatchEvent(new Event('change'));
    expect($('.jp-AskDB-usage')?.hidden).toBe(true); // a's figures are gone at once
    await fake.resolve('listConversations', [], 'b');
    expect($('.jp-AskDB-unsafe')?.hidden).toBe(false);
    expect($('.jp-AskDB-unsafe')?.textContent).toMatch(/allow_privileged/);
    expect($$('.jp-AskDB-turn')).toHaveLength(0);
    expect($('.jp-AskDB-placeholder')?.textContent).toMatch(/about B/);
  });

  it('shows why the projects cannot be read, and keeps the question box off', async () => {
    const fake = new FakeAPI();
    const panel = new AskDBPanel({
      client: fake.api,
      memory: new FakeMemory(),
      highlight: () => Promise.resolve(),
      insertIntoNotebook: () => Promise.resolve()
    });
    panels.push(panel);
    const refreshed = panel.refresh();
    await fake.reject('listProjects', new Error('Cannot reach the AskDB server'));
    await refreshed;
    const notice = panel.node.querySelector<HTMLElement>('.jp-AskDB-notice')!;
    expect(panel.node.dataset.state).toBe('error');
    expect(notice.textContent).toBe('Cannot reach the AskDB server');
    expect(notice.getAttribute('role')).toBe('alert');
    expect(panel.node.querySelector<HTMLTextAreaElement>('.jp-AskDB-input')?.disabled).toBe(true);
  });
});
