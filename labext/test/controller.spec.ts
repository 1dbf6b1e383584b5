/**
 * The panel's controller, driven through a fake API whose calls the tests settle by hand.
 */
import { describe, expect, it } from 'vitest';

import { AskDBAPIError, IStreamOptions } from '../src/api';
import { PanelChange, PanelController } from '../src/controller';
import { IPanelMemory, emptyMemory } from '../src/memory';
import { IConversation } from '../src/models';
import {
  DONE,
  FakeAPI,
  FakeMemory,
  USAGE,
  conversation,
  detail,
  flush,
  project,
  settle
} from './fakes';

/** A controller, the fake behind it, and the changes it emitted. */
function setUp(memory: IPanelMemory = emptyMemory()) {
  const fake = new FakeAPI();
  const store = new FakeMemory(memory);
  const controller = new PanelController({ api: fake.api, memory: store });
  const changes: PanelChange[] = [];
  controller.changed.connect((_sender, change) => changes.push(change));
  return { fake, store, controller, changes };
}

/**
 * Open project `a` (of `a` and `b`, none remembered) on a new, empty conversation:
 * listProjects, the conversation list and the usage answered.
 */
async function opened(memory: IPanelMemory = emptyMemory()) {
  const env = setUp(memory);
  const projects = [project('a'), project('b')];
  const refreshed = env.controller.refresh();
  await env.fake.resolve('listProjects', projects);
  await env.fake.resolve('listConversations', [], 'a');
  await env.fake.resolve('getUsage', USAGE, 'a');
  await refreshed;
  expect(env.controller.state).toBe('idle');
  return env;
}

/** Answer the conversation list and usage that follow an answer in project `projectId`. */
async function afterAnswer(fake: FakeAPI, projectId: string, list: IConversation[] = []) {
  await fake.resolve('listConversations', list, projectId);
  await fake.resolve('getUsage', USAGE, projectId);
}

describe('PanelController: opening', () => {
  it('opens the remembered project and conversation with its turns', async () => {
    const { fake, controller, store } = setUp({ projectId: 'b', conversations: { b: 'c1' } });
    const refreshed = controller.refresh();
    expect(controller.state).toBe('loading');
    expect(controller.notice).toEqual({ text: 'Loading projects…', isError: false });

    await fake.resolve('listProjects', [
      project('a'),
      project('b', { unsafe: ['allow_privileged'] })
    ]);
    expect(controller.projectId).toBe('b');
    expect(controller.project?.unsafe).toEqual(['allow_privileged']);
    await fake.resolve('listConversations', [conversation('c1', 'b')], 'b');
    expect(controller.state).toBe('loading');
    expect(controller.notice.text).toBe('Loading the conversation…');
    await fake.resolve('getConversation', detail('c1', 'b', ['first?', 'second?']), 'c1');
    await fake.resolve('getUsage', USAGE, 'b');
    await refreshed;

    expect(controller.state).toBe('idle');
    expect(controller.conversationId).toBe('c1');
    expect(controller.turns.map(t => [t.question, t.phase])).toEqual([
      ['first?', 'done'],
      ['second?', 'done']
    ]);
    expect(controller.placeholder).toBe(false);
    expect(controller.usage).toEqual(USAGE);
    expect(store.saved).toEqual({ projectId: 'b', conversations: { b: 'c1' } });
  });

  it('opens a new conversation where the remembered one is gone', async () => {
    const { fake, controller, store } = setUp({ projectId: 'a', conversations: { a: 'gone' } });
    const refreshed = controller.refresh();
    await fake.resolve('listProjects', [project('a')]);
    await fake.resolve('listConversations', [conversation('c2', 'a')], 'a');
    await refreshed;
    expect(fake.has('getConversation')).toBe(false);
    expect(controller.conversationId).toBeNull();
    expect(controller.turns).toEqual([]);
    expect(controller.placeholder).toBe(true);
    expect(store.saved.conversations).toEqual({});
  });

  it('says when there are no projects, or the list cannot be read', async () => {
    const empty = setUp();
    const refreshed = empty.controller.refresh();
    await empty.fake.resolve('listProjects', []);
    await refreshed;
    expect(empty.controller.state).toBe('empty');
    expect(empty.controller.notice.text).toMatch(/No projects yet/);

    const failing = setUp();
    const failed = failing.controller.refresh();
    await failing.fake.reject(
      'listProjects',
      new AskDBAPIError('x', 403, 'forbidden', 'Not yours.')
    );
    await failed;
    expect(failing.controller.state).toBe('error');
    expect(failing.controller.notice).toEqual({ text: 'Not yours.', isError: true });
    expect(failing.controller.projects).toEqual([]);
  });

  it('opens the default project of the settings when none is remembered', async () => {
    const { fake, controller } = setUp();
    controller.settings = { defaultProject: 'B', rowsShown: 10, showCharts: false };
    void controller.refresh();
    await fake.resolve('listProjects', [project('a'), project('b')]);
    expect(controller.projectId).toBe('b');
    expect(fake.has('listConversations', 'b')).toBe(true);
  });

  it('drops a conversation that finishes loading after another was opened', async () => {
    const { fake, controller } = await opened();
    void controller.openConversation('c1');
    const second = controller.openConversation('c2');
    await fake.resolve('getConversation', detail('c2', 'a', ['two?']), 'c2');
    await second;
    await fake.resolve('getConversation', detail('c1', 'a', ['one?']), 'c1');
    expect(controller.conversationId).toBe('c2');
    expect(controller.turns.map(t => t.question)).toEqual(['two?']);
    expect(controller.state).toBe('idle');
  });

  it('shows a conversation opened twice once, from the latest answer', async () => {
    const { fake, controller } = await opened();
    void controller.openConversation('c1');
    void controller.openConversation('c2');
    void controller.openConversation('c1');
    await fake.resolve('getConversation', detail('c1', 'a', ['old?']), 'c1');
    await fake.resolve('getConversation', detail('c2', 'a', ['two?']), 'c2');
    await fake.resolve('getConversation', detail('c1', 'a', ['old?', 'new?']), 'c1');
    expect(controller.turns.map(t => t.question)).toEqual(['old?', 'new?']);
  });

  it("never shows the previous project's conversations or usage under the next one", async () => {
    const { fake, controller } = await opened();
    const asked = controller.ask('in a?');
    await fake.resolve('createConversation', detail('ca', 'a', []));
    await fake.stream().end();
    await asked; // a's list and usage are read again: still on their way
    expect(fake.has('listConversations', 'a') && fake.has('getUsage', 'a')).toBe(true);

    const toB = controller.selectProject('b');
    expect(controller.usage).toBeNull(); // cleared at once
    await fake.resolve('listConversations', [conversation('cb', 'b')], 'b');
    await toB;
    await fake.resolve('listConversations', [conversation('ca', 'a')], 'a');
    await fake.resolve('getUsage', { ...USAGE, calls_today: 2 }, 'a');
    expect(controller.conversations.map(c => c.id)).toEqual(['cb']);
    expect(controller.usage).toBeNull();
    const usageB = { ...USAGE, calls_today: 3 };
    await fake.resolve('getUsage', usageB, 'b');
    expect(controller.usage).toEqual(usageB);
  });

  it("drops the previous project's conversation that finishes loading after the switch", async () => {
    const { fake, controller } = await opened();
    void controller.openConversation('ca');
    const toB = controller.selectProject('b');
    await fake.resolve('getConversation', detail('ca', 'a', ['in a?']), 'ca');
    expect(controller.turns).toEqual([]);
    expect(controller.state).toBe('loading'); // b is still opening
    await fake.resolve('listConversations', [], 'b');
    await toB;
    expect(controller.conversationId).toBeNull();
    expect(controller.turns).toEqual([]);
  });

  it('keeps the latest project when two are picked in a row', async () => {
    const { fake, controller, store } = await opened();
    const toB = controller.selectProject('b');
    const toA = controller.selectProject('a');
    await flush();
    // Only a's open goes on to list conversations; b's stopped after saving the memory.
    expect(fake.has('listConversations', 'b')).toBe(false);
    await fake.resolve('listConversations', [conversation('ca', 'a')], 'a');
    await Promise.all([toB, toA]);
    expect(controller.projectId).toBe('a');
    expect(controller.conversations.map(c => c.id)).toEqual(['ca']);
    expect(store.saved.projectId).toBe('a');
  });
});

describe('PanelController: asking', () => {
  it('streams an answer into a new conversation, then reads the list and usage again', async () => {
    const { fake, controller, store, changes } = await opened();
    changes.length = 0;
    const asked = controller.ask('  How many orders?  ');
    expect(controller.state).toBe('asking');
    expect(controller.placeholder).toBe(false);
    expect(changes[0]).toEqual({ type: 'asked', question: 'How many orders?' });
    await fake.resolve('createConversation', detail('c-new', 'a', []), 'a', 'How many orders?');
    expect(controller.conversationId).toBe('c-new');
    expect(store.saved.conversations).toEqual({ a: 'c-new' });

    const stream = fake.stream('a');
    expect(stream.question).toBe('How many orders?');
    expect(stream.options.conversationId).toBe('c-new');
    stream.send(
      { type: 'status', step: 'linking' },
      { type: 'sql', sql: 'SELECT COUNT(*) FROM orders', explanation: null },
      { type: 'rows', columns: ['n'], rows: [[12]], row_count: 1, truncated: false },
      DONE
    );
    expect(controller.turns[0]).toMatchObject({ steps: ['linking'], phase: 'done' });
    expect(changes.filter(c => c.type === 'turn')).toHaveLength(5); // added, then 4 events
    await stream.end();
    await asked;

    expect(controller.state).toBe('idle');
    expect(controller.turns[0].result?.rows).toEqual([[12]]);
    await afterAnswer(fake, 'a', [conversation('c-new', 'a')]);
    expect(controller.conversations.map(c => c.id)).toEqual(['c-new']);
  });

  it('continues the open conversation, and refuses a blank or second question', async () => {
    const { fake, controller } = await opened();
    const first = controller.ask('one?');
    await fake.resolve('createConversation', detail('c-new', 'a', []));
    await controller.ask('   ');
    await controller.ask('two at once?'); // still asking: refused
    await fake.stream().end();
    await first;
    await afterAnswer(fake, 'a');
    const second = controller.ask('two?');
    await flush();
    expect(fake.count('createConversation')).toBe(1);
    expect(fake.stream().options.conversationId).toBe('c-new');
    await fake.stream().end();
    await second;
    expect(controller.turns.map(t => t.question)).toEqual(['one?', 'two?']);
  });

  it('waits for a project that is opening, then asks there, after its history', async () => {
    const { fake, controller } = await opened({ projectId: null, conversations: { b: 'cb' } });
    const toB = controller.selectProject('b');
    const asked = controller.ask('In b?');
    await fake.resolve('listConversations', [conversation('cb', 'b')], 'b');
    // Opening b's remembered conversation would stop and clear a question already running.
    expect(fake.has('ask')).toBe(false);
    expect(controller.state).toBe('loading');
    await fake.resolve('getConversation', detail('cb', 'b', ['earlier in b?']), 'cb');
    await toB;

    const stream = fake.stream();
    expect(stream.projectId).toBe('b');
    expect(stream.options.conversationId).toBe('cb');
    expect(fake.has('createConversation')).toBe(false);
    stream.send(DONE);
    await stream.end();
    await asked;
    expect(controller.turns.map(t => [t.question, t.phase])).toEqual([
      ['earlier in b?', 'done'],
      ['In b?', 'done']
    ]);
  });

  it('asks in the project picked last when the user switches twice before it opens', async () => {
    const { fake, controller } = await opened();
    void controller.selectProject('b');
    const asked = controller.ask('Where?');
    void controller.selectProject('a');
    await fake.resolve('listConversations', [], 'a');
    expect(fake.has('listConversations', 'b')).toBe(false);
    expect(fake.pending('createConversation').args).toEqual(['a', 'Where?']);
    await fake.resolve('createConversation', detail('c-a', 'a', []));
    const stream = fake.stream();
    expect(stream.projectId).toBe('a');
    await stream.end();
    await asked;
    expect(controller.turns.map(t => t.question)).toEqual(['Where?']);
  });

  it('shows an error event with its reason and code, and is ready for the next question', async () => {
    const { fake, controller } = await opened();
    const asked = controller.ask('swallow?');
    await fake.resolve('createConversation', detail('c-new', 'a', []));
    const stream = fake.stream();
    stream.send(
      { type: 'status', step: 'linking' },
      { type: 'error', problem: { code: 'no_answer', detail: 'Nothing about swallows.' } }
    );
    await stream.end();
    await asked;
    expect(controller.turns[0]).toMatchObject({
      phase: 'error',
      error: { code: 'no_answer', message: 'Nothing about swallows.' }
    });
    expect(controller.state).toBe('idle');
  });

  it('shows a refused question (429) with when to try again', async () => {
    const { fake, controller } = await opened();
    const asked = controller.ask('one more?');
    await fake.resolve('createConversation', detail('c-new', 'a', []));
    const refused = new AskDBAPIError('x', 429, 'quota_exceeded', 'Quota used up.', 3600);
    await fake.reject('ask', refused);
    await asked;
    const turn = controller.turns[0];
    expect(turn.phase).toBe('error');
    expect(turn.error).toMatchObject({ code: 'quota_exceeded', message: 'Quota used up.' });
    expect(turn.error?.retry?.after).toBe(3600);
  });

  it('fails a stream that ends with neither done nor error', async () => {
    const { fake, controller } = await opened();
    const asked = controller.ask('cut?');
    await fake.resolve('createConversation', detail('c-new', 'a', []));
    fake.stream().send({ type: 'status', step: 'running' });
    await fake.stream().end();
    await asked;
    expect(controller.turns[0].phase).toBe('error');
    expect(controller.turns[0].error?.message).toMatch(/connection closed/);
  });
});

describe('PanelController: stopping and switching during a stream', () => {
  it('stops a stream: aborted, the turn stopped, late events ignored, next ask at once', async () => {
    const { fake, controller } = await opened();
    const asked = controller.ask('slow?');
    await fake.resolve('createConversation', detail('c-new', 'a', []));
    const stream = fake.stream();
    stream.send({ type: 'status', step: 'running' });

    controller.stop();
    expect(stream.aborted).toBe(true);
    expect(controller.state).toBe('idle');
    stream.send({ type: 'rows', columns: ['n'], rows: [[1]], row_count: 1, truncated: false });
    await asked;
    expect(controller.turns[0]).toMatchObject({
      phase: 'cancelled',
      steps: ['running'],
      result: null,
      error: { code: 'query_cancelled' }
    });
    stream.send(DONE); // later still
    expect(controller.turns[0].phase).toBe('cancelled');

    const next = controller.ask('fast?');
    await flush();
    const second = fake.stream();
    expect(second.options.conversationId).toBe('c-new');
    second.send(DONE);
    await second.end();
    await next;
    expect(controller.turns.map(t => t.phase)).toEqual(['cancelled', 'done']);
  });

  it('ends a stopped turn as stopped even if the stream then closes normally', async () => {
    const { fake, controller } = await opened();
    const asked = controller.ask('slow?');
    await fake.resolve('createConversation', detail('c-new', 'a', []));
    const stream = fake.stream();
    fake.rejectOnAbort = false; // the stream just closes, as if the abort came too late
    controller.stop();
    expect(stream.aborted).toBe(true);
    stream.send(DONE);
    await stream.end();
    await asked;
    expect(controller.turns[0].phase).toBe('cancelled');
  });

  it('stops before the stream starts: the question is not sent as running', async () => {
    const { fake, controller } = await opened();
    const asked = controller.ask('slow?');
    controller.stop();
    await fake.resolve('createConversation', detail('c-new', 'a', []));
    // The client is called with an aborted signal, which makes it reject at once.
    const call = fake.calls.find(c => c.method === 'ask')!;
    expect((call.args[2] as IStreamOptions).signal?.aborted).toBe(true);
    await asked;
    expect(controller.turns[0].phase).toBe('cancelled');
    expect(controller.state).toBe('idle');
  });

  it("switching project aborts the stream; its late events never reach the new project's turns", async () => {
    const { fake, controller, store } = await opened({
      projectId: null,
      conversations: { b: 'cb' }
    });
    const asked = controller.ask('in a?');
    await fake.resolve('createConversation', detail('c-a', 'a', []));
    const stream = fake.stream('a');
    stream.send({ type: 'status', step: 'running' });

    const toB = controller.selectProject('b');
    expect(stream.aborted).toBe(true);
    await fake.resolve('listConversations', [conversation('cb', 'b')], 'b');
    await fake.resolve('getConversation', detail('cb', 'b', ['in b?']), 'cb');
    await toB;
    stream.send({ type: 'sql', sql: 'SELECT late', explanation: null }, DONE);
    await asked;

    expect(controller.projectId).toBe('b');
    expect(controller.conversationId).toBe('cb');
    expect(controller.turns.map(t => [t.question, t.phase])).toEqual([['in b?', 'done']]);
    expect(controller.state).toBe('idle');
    // Nothing more is read for a: no list or usage of it lands on b.
    expect(fake.has('listConversations', 'a')).toBe(false);
    expect(fake.has('getUsage', 'a')).toBe(false);
    expect(store.saved).toEqual({ projectId: 'b', conversations: { a: 'c-a', b: 'cb' } });
  });

  it('a conversation created after the user switched project is not adopted by the new one', async () => {
    const { fake, controller, store } = await opened();
    const asked = controller.ask('in a?');
    const toB = controller.selectProject('b');
    await fake.resolve('listConversations', [], 'b');
    await toB;
    await fake.resolve('createConversation', detail('c-a', 'a', []), 'a');
    await asked;
    expect(controller.projectId).toBe('b');
    expect(controller.conversationId).toBeNull();
    expect(store.saved.conversations).toEqual({});
    expect(controller.turns).toEqual([]);
  });

  it("opening another conversation stops the stream and drops the old turn's updates", async () => {
    const { fake, controller } = await opened();
    const asked = controller.ask('first?');
    await fake.resolve('createConversation', detail('c-new', 'a', []));
    const stream = fake.stream();
    const opening = controller.openConversation('c-old');
    expect(stream.aborted).toBe(true);
    await fake.resolve('getConversation', detail('c-old', 'a', ['old?']), 'c-old');
    await opening;
    await asked;
    expect(controller.turns.map(t => [t.question, t.phase])).toEqual([['old?', 'done']]);
  });
});

describe('PanelController: conversations', () => {
  it('deletes the open conversation and opens a new, empty one', async () => {
    const { fake, controller, store } = await opened();
    const opening = controller.openConversation('c1');
    await fake.resolve('getConversation', detail('c1', 'a', ['q?']), 'c1');
    await opening;
    const deleted = controller.deleteConversation('c1');
    await fake.resolve('deleteConversation', undefined, 'c1');
    await fake.resolve('listConversations', [], 'a');
    await deleted;
    expect(controller.conversationId).toBeNull();
    expect(controller.turns).toEqual([]);
    expect(controller.placeholder).toBe(true);
    expect(store.saved.conversations).toEqual({});
  });

  it('renames through the API and lists the conversations again', async () => {
    const { fake, controller } = await opened();
    const renamed = controller.renameConversation('c1', 'Orders');
    expect(fake.pending('renameConversation').args).toEqual(['c1', 'Orders']);
    await fake.resolve('renameConversation', { ...conversation('c1', 'a'), title: 'Orders' });
    await fake.resolve('listConversations', [{ ...conversation('c1', 'a'), title: 'Orders' }]);
    await renamed;
    expect(controller.conversations.map(c => c.title)).toEqual(['Orders']);
  });

  it('keeps the newest conversation list when two answers cross', async () => {
    const { fake, controller } = await opened();
    void controller.renameConversation('c1', 'x');
    void controller.renameConversation('c2', 'y');
    await fake.resolve('renameConversation', conversation('c1', 'a'), 'c1');
    await fake.resolve('renameConversation', conversation('c2', 'a'), 'c2');
    const [older, newer] = fake.calls.filter(c => c.method === 'listConversations' && !c.settled);
    await settle(newer, [conversation('new', 'a')]);
    await settle(older, [conversation('old', 'a')]);
    expect(controller.conversations.map(c => c.id)).toEqual(['new']);
  });
});
