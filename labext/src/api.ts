/**
 * A typed client for the AskDB REST API served by the askdb_server extension.
 *
 * Requests go through `ServerConnection.makeRequest` so they carry the Jupyter
 * server's token and XSRF cookie, and work behind the JupyterHub proxy.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { AnswerEvent, IConversation, IConversationDetail, parseAnswerEvent } from './models';
import { readEventStream } from './sse';
import { IUsage, parseRetryAfter } from './usage';

/** A project as `GET askdb/api/projects` lists it (the connection URL has no password). */
export interface IProject {
  id: string;
  name: string;
  description: string;
  dialect: string | null;
  schema_version: number | null;
  owner?: string;
  connection_url?: string | null;
  allow_value_lookup?: boolean;
  /** Settings that weaken the guard's defaults, e.g. `allow_privileged`. */
  unsafe?: string[];
  archived?: boolean;
  created_at?: string;
  updated_at?: string;
}

/** The body of `GET askdb/api/projects`. */
export interface IProjectList {
  projects: IProject[];
}

/** An error the AskDB API answered with, or a failure to reach it. */
export class AskDBAPIError extends Error {
  /** HTTP status, or 0 when the server could not be reached. */
  readonly status: number;
  /** The problem's machine-readable code (`project_not_found`, ...), when the server gave one. */
  readonly code: string | null;
  /** The reason in the user's terms (the problem's `detail`), without the status prefix. */
  readonly detail: string;
  /**
   * For a 429 (`quota_exceeded`, `rate_limited`): seconds until a retry may succeed, from the
   * `Retry-After` header (or the problem's `retry_after`); null otherwise.
   */
  readonly retryAfter: number | null;

  constructor(
    message: string,
    status: number,
    code: string | null = null,
    detail?: string,
    retryAfter: number | null = null
  ) {
    super(message);
    this.name = 'AskDBAPIError';
    this.status = status;
    this.code = code;
    this.detail = detail ?? message;
    this.retryAfter = retryAfter;
  }
}

/** How to stream an answer: where its events go, and the signal that stops it. */
export interface IStreamOptions {
  /** The conversation to continue (its earlier questions are the context); none starts one. */
  conversationId?: string | null;
  /** Called for each event as it arrives. */
  onEvent: (event: AnswerEvent) => void;
  /** Aborting it closes the stream, which makes the server cancel the work. */
  signal?: AbortSignal;
}

/** The path of the AskDB REST API below the Jupyter server's base URL. */
export const API_PATH = 'askdb/api';

/** Calls the AskDB REST API of the Jupyter server that serves this JupyterLab. */
export class AskDBClient {
  /** The connection settings; the default is the page's own Jupyter server. */
  readonly serverSettings: ServerConnection.ISettings;

  constructor(serverSettings?: ServerConnection.ISettings) {
    this.serverSettings = serverSettings ?? ServerConnection.makeSettings();
  }

  /** The projects the current user can see. */
  async listProjects(): Promise<IProject[]> {
    const body = await this.requestJSON<IProjectList>('projects');
    if (!body || !Array.isArray(body.projects)) {
      throw new AskDBAPIError('The AskDB server sent an unexpected project list.', 200);
    }
    return body.projects;
  }

  /** The project's plan limits and its use this day and month (`enforced`: refused past them). */
  async getUsage(projectId: string): Promise<IUsage> {
    const body = await this.requestJSON<IUsage>(`projects/${encodeURIComponent(projectId)}/usage`);
    if (!body || typeof body !== 'object' || typeof body.limits !== 'object') {
      throw new AskDBAPIError('The AskDB server sent an unexpected usage.', 200);
    }
    return body;
  }

  /** The caller's conversations on a project, most recent first. */
  async listConversations(projectId: string): Promise<IConversation[]> {
    const body = await this.requestJSON<{ conversations: IConversation[] }>(
      `projects/${encodeURIComponent(projectId)}/conversations`
    );
    return body.conversations;
  }

  /** Start an empty conversation, so that every turn of it (failed or stopped too) is kept. */
  createConversation(projectId: string, title: string): Promise<IConversationDetail> {
    return this.requestJSON<IConversationDetail>(
      `projects/${encodeURIComponent(projectId)}/conversations`,
      { method: 'POST', body: JSON.stringify({ title }) }
    );
  }

  /** One conversation with its messages, oldest first. */
  getConversation(conversationId: string): Promise<IConversationDetail> {
    return this.requestJSON<IConversationDetail>(
      `conversations/${encodeURIComponent(conversationId)}`
    );
  }

  /** Give a conversation a new title. */
  renameConversation(conversationId: string, title: string): Promise<IConversation> {
    return this.requestJSON<IConversation>(`conversations/${encodeURIComponent(conversationId)}`, {
      method: 'PATCH',
      body: JSON.stringify({ title })
    });
  }

  /** Delete a conversation and its messages. */
  async deleteConversation(conversationId: string): Promise<void> {
    await this.request(`conversations/${encodeURIComponent(conversationId)}`, {
      method: 'DELETE'
    });
  }

  /**
   * Ask a question and stream the answer's events (`status`, `sql`, `rows`, then `done` or
   * `error`) to `options.onEvent`. Resolves when the stream ends; rejects with an
   * `AskDBAPIError` when the request is refused, or a `DOMException` named `AbortError`
   * when `options.signal` stopped it.
   */
  ask(projectId: string, question: string, options: IStreamOptions): Promise<void> {
    const body = { question, conversation_id: options.conversationId ?? undefined };
    return this.stream(`projects/${encodeURIComponent(projectId)}/ask`, body, options);
  }

  /** Run the user's own SQL through the server's guard, streamed like `ask`. */
  runSQL(projectId: string, sql: string, options: IStreamOptions): Promise<void> {
    const body = { sql, conversation_id: options.conversationId ?? undefined };
    return this.stream(`projects/${encodeURIComponent(projectId)}/run`, body, options);
  }

  /** POST `body` to `path` asking for Server-Sent Events, and read them as they come. */
  async stream(path: string, body: unknown, options: IStreamOptions): Promise<void> {
    const response = await this.request(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { Accept: 'text/event-stream', 'Content-Type': 'application/json' },
      signal: options.signal
    });
    if (!response.body) {
      throw new AskDBAPIError('The AskDB server sent no answer stream.', response.status);
    }
    await readEventStream(response.body, event => {
      const decoded = parseAnswerEvent(event);
      if (decoded) {
        options.onEvent(decoded);
      }
    });
  }

  /** Send a request; resolves with a 2xx response, rejects with an `AskDBAPIError`. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const url = URLExt.join(this.serverSettings.baseUrl, API_PATH, path);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, this.serverSettings);
    } catch (error) {
      if (init.signal?.aborted) {
        throw abortError();
      }
      throw new AskDBAPIError(`Cannot reach the AskDB server: ${errorText(error)}`, 0);
    }
    if (!response.ok) {
      const text = await response.text();
      throw problemError(response, parseJSON(text), text);
    }
    return response;
  }

  /** Send a request to `{baseUrl}askdb/api/{path}` and parse the JSON answer. */
  async requestJSON<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(path, init);
    const data = parseJSON(await response.text());
    if (data === undefined) {
      throw new AskDBAPIError('The AskDB server sent a reply that is not JSON.', response.status);
    }
    return data as T;
  }
}

/** The error for a non-2xx reply: the problem+json `detail` when there is one. */
function problemError(response: Response, data: unknown, text: string): AskDBAPIError {
  const problem = (data ?? {}) as Record<string, unknown>;
  const detail = [problem.detail, problem.message, problem.title].find(
    value => typeof value === 'string' && value.length > 0
  ) as string | undefined;
  const code = typeof problem.code === 'string' ? problem.code : null;
  const fallback = text.trim() || response.statusText || 'request failed';
  const retryAfter =
    response.status === 429
      ? parseRetryAfter(response.headers.get('Retry-After'), problem.retry_after)
      : null;
  return new AskDBAPIError(
    `AskDB server error ${response.status}: ${detail ?? fallback}`,
    response.status,
    code,
    detail ?? fallback,
    retryAfter
  );
}

/** True for the error of a request stopped through its AbortSignal. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function abortError(): Error {
  const error = new Error('The request was stopped.');
  error.name = 'AbortError';
  return error;
}

function parseJSON(text: string): unknown {
  if (!text) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
