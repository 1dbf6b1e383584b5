/**
 * A typed client for the AskDB REST API served by the askdb_server extension.
 *
 * Requests go through `ServerConnection.makeRequest` so they carry the Jupyter
 * server's token and XSRF cookie, and work behind the JupyterHub proxy.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

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

  constructor(message: string, status: number, code: string | null = null) {
    super(message);
    this.name = 'AskDBAPIError';
    this.status = status;
    this.code = code;
  }
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

  /** Send a request to `{baseUrl}askdb/api/{path}` and parse the JSON answer. */
  async requestJSON<T>(path: string, init: RequestInit = {}): Promise<T> {
    const url = URLExt.join(this.serverSettings.baseUrl, API_PATH, path);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, init, this.serverSettings);
    } catch (error) {
      // makeRequest wraps fetch failures (server down, proxy gone) in a NetworkError.
      throw new AskDBAPIError(`Cannot reach the AskDB server: ${errorText(error)}`, 0);
    }
    const text = await response.text();
    const data = parseJSON(text);
    if (!response.ok) {
      throw problemError(response, data, text);
    }
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
  return new AskDBAPIError(
    `AskDB server error ${response.status}: ${detail ?? fallback}`,
    response.status,
    code
  );
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
