/**
 * A fake of the panel's API whose every call is a promise the test settles by hand, so that
 * responses can be made to land in the order a race would bring them; and sample data.
 */
import { IProject, IStreamOptions } from '../src/api';
import { PanelAPI, PanelMemory } from '../src/controller';
import { IPanelMemory, emptyMemory } from '../src/memory';
import { AnswerEvent, IConversation, IConversationDetail, IMessage } from '../src/models';
import { IUsage } from '../src/usage';

export type Method = keyof PanelAPI;

/** One call to the fake API, waiting for the test to settle it. */
export interface ICall {
  method: Method;
  args: unknown[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  settled: boolean;
}

/** A call to `ask`: the test sends its events and ends its stream. */
export class StreamCall {
  constructor(readonly call: ICall) {}

  get projectId(): string {
    return this.call.args[0] as string;
  }
  get question(): string {
    return this.call.args[1] as string;
  }
  get options(): IStreamOptions {
    return this.call.args[2] as IStreamOptions;
  }
  get aborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  send(...events: AnswerEvent[]): void {
    events.forEach(event => this.options.onEvent(event));
  }

  end(): Promise<void> {
    return settle(this.call, undefined);
  }
}

/** The panel's API, every call pending until the test resolves or rejects it. */
export class FakeAPI {
  readonly calls: ICall[] = [];
  /** Like AskDBClient, an aborted stream rejects with an AbortError; false: it just waits. */
  rejectOnAbort = true;

  /** The API object the controller gets. */
  readonly api: PanelAPI = {
    listProjects: () => this._call('listProjects', []),
    getUsage: (...args) => this._call('getUsage', args),
    listConversations: (...args) => this._call('listConversations', args),
    createConversation: (...args) => this._call('createConversation', args),
    getConversation: (...args) => this._call('getConversation', args),
    renameConversation: (...args) => this._call('renameConversation', args),
    deleteConversation: (...args) => this._call('deleteConversation', args),
    ask: (...args) => {
      const promise = this._call<void>('ask', args);
      const call = this.calls[this.calls.length - 1];
      const signal = args[2].signal;
      const stop = () => {
        if (this.rejectOnAbort && !call.settled) {
          call.settled = true;
          call.reject(Object.assign(new Error('The request was stopped.'), { name: 'AbortError' }));
        }
      };
      if (signal?.aborted) {
        stop();
      }
      signal?.addEventListener('abort', stop);
      return promise;
    }
  };

  /** The oldest unsettled call of `method` (optionally with these first arguments). */
  pending(method: Method, ...args: unknown[]): ICall {
    const call = this.calls.find(
      c => c.method === method && !c.settled && args.every((a, i) => c.args[i] === a)
    );
    if (!call) {
      const seen = this.calls.map(c => `${c.method}(${c.args.slice(0, 2).join(', ')})`);
      throw new Error(`no pending ${method}(${args.join(', ')}); calls: ${seen.join('; ')}`);
    }
    return call;
  }

  /** Whether a call of `method` with these first arguments is waiting. */
  has(method: Method, ...args: unknown[]): boolean {
    return this.calls.some(
      c => c.method === method && !c.settled && args.every((a, i) => c.args[i] === a)
    );
  }

  count(method: Method, ...args: unknown[]): number {
    return this.calls.filter(c => c.method === method && args.every((a, i) => c.args[i] === a))
      .length;
  }

  /**
   * Let the controller reach its next calls, then resolve the oldest pending call of `method`
   * (optionally with these first arguments) with `value`, and let the controller go on.
   */
  async resolve(method: Method, value: unknown, ...args: unknown[]): Promise<void> {
    await flush();
    await settle(this.pending(method, ...args), value);
  }

  async reject(method: Method, error: unknown, ...args: unknown[]): Promise<void> {
    await flush();
    const call = this.pending(method, ...args);
    call.settled = true;
    call.reject(error);
    await flush();
  }

  /** The pending stream of `ask`. */
  stream(projectId?: string): StreamCall {
    return new StreamCall(projectId ? this.pending('ask', projectId) : this.pending('ask'));
  }

  private _call<T>(method: Method, args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.calls.push({
        method,
        args,
        resolve: resolve as (value: unknown) => void,
        reject,
        settled: false
      });
    });
  }
}

export function settle(call: ICall, value: unknown): Promise<void> {
  if (call.settled) {
    throw new Error(`${call.method} was already settled`);
  }
  call.settled = true;
  call.resolve(value);
  return flush();
}

/** Let every promise continuation that can run, run. */
export function flush(): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, 0));
}

export class FakeMemory implements PanelMemory {
  constructor(public saved: IPanelMemory = emptyMemory()) {}

  load(): Promise<IPanelMemory> {
    return Promise.resolve(structuredClone(this.saved));
  }

  save(memory: IPanelMemory): Promise<void> {
    this.saved = structuredClone(memory);
    return Promise.resolve();
  }
}

export function project(id: string, extra: Partial<IProject> = {}): IProject {
  return {
    id,
    name: id.toUpperCase(),
    description: '',
    dialect: 'sqlite',
    schema_version: 1,
    ...extra
  };
}

export function conversation(id: string, projectId: string): IConversation {
  return {
    id,
    project_id: projectId,
    title: `Conversation ${id}`,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    message_count: 1
  };
}

export function message(question: string): IMessage {
  return {
    id: `m-${question}`,
    kind: 'ask',
    question,
    sql: 'SELECT 1',
    explanation: null,
    status: 'ok',
    error: null,
    columns: ['n'],
    rows: [[1]],
    row_count: 1,
    truncated: false,
    created_at: '2025-01-01T00:00:00Z'
  };
}

export function detail(id: string, projectId: string, questions: string[]): IConversationDetail {
  return { ...conversation(id, projectId), messages: questions.map(message) };
}

export const USAGE: IUsage = {
  enforced: true,
  calls_today: 1,
  tokens_this_month: 10,
  limits: { api_calls_per_day: 5, tokens_per_month: 100 }
};

export const DONE: AnswerEvent = {
  type: 'done',
  conversationId: 'c-new',
  messageId: 'm1',
  timings: {}
};
