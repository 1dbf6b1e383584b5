/**
 * The API client against a real HTTP server on loopback that answers like askdb_server.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

import { ServerConnection } from '@jupyterlab/services';
import { afterEach, describe, expect, it } from 'vitest';

import { AskDBAPIError, AskDBClient, IProject } from '../src/api';

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

const servers: Server[] = [];

/** Start a loopback server with `handler`; returns its base URL with a Jupyter-like prefix. */
async function serve(handler: Handler, prefix = '/user/ada/'): Promise<string> {
  const server = createServer((req, res) => void handler(req, res));
  servers.push(server);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}${prefix}`;
}

/** The error `promise` rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<AskDBAPIError> {
  try {
    await promise;
  } catch (error) {
    return error as AskDBAPIError;
  }
  throw new Error('expected the call to be refused');
}

function clientFor(baseUrl: string, token = ''): AskDBClient {
  return new AskDBClient(
    ServerConnection.makeSettings({ baseUrl, wsUrl: baseUrl.replace('http', 'ws'), token })
  );
}

function json(res: ServerResponse, status: number, body: unknown, type = 'application/json') {
  res.writeHead(status, { 'Content-Type': type });
  res.end(JSON.stringify(body));
}

const SALES: IProject = {
  id: '3f2a9c0d1b8e4f6a',
  name: 'Sales',
  description: 'Orders and customers',
  dialect: 'postgresql',
  schema_version: 2
};

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(s => {
      // Do not wait for keep-alive connections to time out.
      s.closeAllConnections();
      return new Promise(resolve => s.close(() => resolve(undefined)));
    })
  );
});

describe('AskDBClient.listProjects', () => {
  it('GETs {baseUrl}askdb/api/projects and returns the projects', async () => {
    const seen: { method?: string; url?: string; auth?: string }[] = [];
    const base = await serve((req, res) => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
      json(res, 200, { projects: [SALES, { ...SALES, id: 'b', name: 'HR', dialect: null }] });
    });

    const projects = await clientFor(base, 'secret-token').listProjects();

    expect(projects.map(p => p.name)).toEqual(['Sales', 'HR']);
    expect(projects[0]).toEqual(SALES);
    expect(seen).toHaveLength(1);
    expect(seen[0].method).toBe('GET');
    // makeRequest adds a cache-busting query to GETs; the path is what the server routes on.
    expect(new URL(seen[0].url!, base).pathname).toBe('/user/ada/askdb/api/projects');
    // The Jupyter token travels with the request, as for every Jupyter server call.
    expect(seen[0].auth).toBe('token secret-token');
  });

  it('returns an empty list when the user has no projects', async () => {
    const base = await serve((_req, res) => json(res, 200, { projects: [] }));
    expect(await clientFor(base).listProjects()).toEqual([]);
  });

  it('reports the problem+json detail, status and code of an error', async () => {
    const base = await serve((_req, res) =>
      json(
        res,
        403,
        {
          type: 'https://askdb.dev/problems/forbidden',
          title: 'Forbidden',
          status: 403,
          detail: 'You are not a member of this organization.',
          code: 'forbidden'
        },
        'application/problem+json'
      )
    );

    const error = await rejection(clientFor(base).listProjects());

    expect(error).toBeInstanceOf(AskDBAPIError);
    expect(error.status).toBe(403);
    expect(error.code).toBe('forbidden');
    expect(error.message).toBe(
      'AskDB server error 403: You are not a member of this organization.'
    );
  });

  it('falls back to the body text when an error is not JSON', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('Bad Gateway from proxy');
    });

    const error = await rejection(clientFor(base).listProjects());

    expect(error).toBeInstanceOf(AskDBAPIError);
    expect(error.status).toBe(502);
    expect(error.code).toBeNull();
    expect(error.message).toBe('AskDB server error 502: Bad Gateway from proxy');
  });

  it('rejects a 200 answer that is not a project list', async () => {
    const base = await serve((_req, res) => json(res, 200, { items: [] }));

    const error = await rejection(clientFor(base).listProjects());

    expect(error).toBeInstanceOf(AskDBAPIError);
    expect(error.message).toMatch(/unexpected project list/);
  });

  it('says the server cannot be reached when nothing listens', async () => {
    const base = await serve(() => undefined);
    await new Promise(resolve => servers.pop()!.close(resolve));

    const error = await rejection(clientFor(base).listProjects());

    expect(error).toBeInstanceOf(AskDBAPIError);
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/^Cannot reach the AskDB server: /);
  });
});

/** The JSON body of a request the loopback server received. */
function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise(resolve => {
    let text = '';
    req.on('data', chunk => (text += chunk));
    req.on('end', () => resolve(text ? JSON.parse(text) : undefined));
  });
}

function sse(res: ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

describe('AskDBClient.ask', () => {
  it('POSTs the question for an event stream and hands over each event as it arrives', async () => {
    let firstSeen!: () => void;
    const seenFirst = new Promise<void>(resolve => (firstSeen = resolve));
    const requests: { url?: string; accept?: string; body: unknown }[] = [];
    const base = await serve(async (req, res) => {
      requests.push({ url: req.url, accept: req.headers.accept, body: await readBody(req) });
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      sse(res, 'status', { step: 'linking' });
      // The rest comes only once the client has seen the first event: a client that waited
      // for the whole body would never get it.
      await seenFirst;
      sse(res, 'sql', { sql: 'SELECT 1', explanation: null });
      sse(res, 'rows', { columns: ['n'], rows: [[1]], row_count: 1, truncated: false });
      sse(res, 'done', { conversation_id: 'c1', message_id: 'm1', timings_ms: { total: 5 } });
      res.end();
    });

    const events: string[] = [];
    await clientFor(base).ask('p 1', 'how many?', {
      conversationId: 'c1',
      onEvent: event => {
        events.push(event.type);
        if (event.type === 'status') {
          firstSeen();
        }
      }
    });

    expect(events).toEqual(['status', 'sql', 'rows', 'done']);
    expect(requests).toHaveLength(1);
    expect(new URL(requests[0].url!, base).pathname).toBe('/user/ada/askdb/api/projects/p%201/ask');
    expect(requests[0].accept).toBe('text/event-stream');
    expect(requests[0].body).toEqual({ question: 'how many?', conversation_id: 'c1' });
  });

  it('starts a new conversation when given none', async () => {
    let body: unknown;
    const base = await serve(async (req, res) => {
      body = await readBody(req);
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.end();
    });
    await clientFor(base).ask('p', 'q', { onEvent: () => undefined });
    expect(body).toEqual({ question: 'q' });
  });

  it('stops when aborted: rejects with AbortError and the server sees the connection close', async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>(resolve => (closed = resolve));
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      sse(res, 'status', { step: 'running' });
      res.on('close', () => closed());
    });
    const abort = new AbortController();

    const error = await rejection(
      clientFor(base).ask('p', 'slow', {
        signal: abort.signal,
        onEvent: event => {
          if (event.type === 'status') {
            abort.abort();
          }
        }
      })
    );

    expect(error.name).toBe('AbortError');
    await serverSawClose;
  });

  it('reports a refused question with its problem detail and code', async () => {
    const base = await serve((_req, res) =>
      json(
        res,
        404,
        {
          status: 404,
          code: 'project_not_found',
          title: 'Not found',
          detail: "No project with id 'p'."
        },
        'application/problem+json'
      )
    );
    const error = await rejection(clientFor(base).ask('p', 'q', { onEvent: () => undefined }));
    expect(error).toBeInstanceOf(AskDBAPIError);
    expect(error.code).toBe('project_not_found');
    expect(error.detail).toBe("No project with id 'p'.");
  });
});

describe('AskDBClient.getUsage', () => {
  const USAGE = {
    limits: { api_calls_per_day: 1000, tokens_per_month: 100000, projects: 3 },
    calls_today: 12,
    tokens_this_month: 3400,
    enforced: true,
    schema_versions: 2
  };

  it("GETs the project's usage and keeps the fields a newer server adds", async () => {
    const paths: string[] = [];
    const base = await serve((req, res) => {
      paths.push(new URL(req.url!, 'http://x').pathname);
      json(res, 200, USAGE);
    });
    const usage = await clientFor(base).getUsage('p 1');
    expect(paths).toEqual(['/user/ada/askdb/api/projects/p%201/usage']);
    expect(usage).toEqual(USAGE);
  });

  it('rejects an answer that is not a usage', async () => {
    const base = await serve((_req, res) => json(res, 200, { calls_today: 1 }));
    const error = await rejection(clientFor(base).getUsage('p'));
    expect(error).toBeInstanceOf(AskDBAPIError);
    expect(error.message).toMatch(/unexpected usage/);
  });
});

describe('a refused call (429)', () => {
  const QUOTA = {
    status: 429,
    code: 'quota_exceeded',
    title: 'Quota exceeded',
    detail: 'The api calls per day quota (1000) is used up until 2030-01-02T00:00:00+00:00.',
    quota: 'api_calls_per_day',
    limit: 1000,
    retry_after: 7200
  };

  function refuse(headers: Record<string, string>, body: unknown = QUOTA) {
    return serve((_req, res) => {
      res.writeHead(429, { 'Content-Type': 'application/problem+json', ...headers });
      res.end(JSON.stringify(body));
    });
  }

  it("carries the server's message and the Retry-After seconds", async () => {
    const base = await refuse({ 'Retry-After': '3600' });
    const error = await rejection(clientFor(base).ask('p', 'q', { onEvent: () => undefined }));
    expect(error).toBeInstanceOf(AskDBAPIError);
    expect(error.status).toBe(429);
    expect(error.code).toBe('quota_exceeded');
    expect(error.detail).toBe(QUOTA.detail);
    expect(error.retryAfter).toBe(3600); // the header wins over the body
  });

  it("reads a Retry-After date, and falls back to the problem's retry_after", async () => {
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    const dated = await refuse({ 'Retry-After': inTwoMinutes });
    const fromDate = await rejection(clientFor(dated).getUsage('p'));
    expect(fromDate.retryAfter).toBeGreaterThanOrEqual(118);
    expect(fromDate.retryAfter).toBeLessThanOrEqual(120);

    const bodyOnly = await refuse({}, { ...QUOTA, code: 'rate_limited', retry_after: 2 });
    const fromBody = await rejection(clientFor(bodyOnly).getUsage('p'));
    expect(fromBody.code).toBe('rate_limited');
    expect(fromBody.retryAfter).toBe(2);
  });

  it('has no retry time on other errors', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/problem+json', 'Retry-After': '5' });
      res.end(JSON.stringify({ status: 403, code: 'forbidden', detail: 'No.' }));
    });
    const error = await rejection(clientFor(base).getUsage('p'));
    expect(error.retryAfter).toBeNull();
  });
});

describe('AskDBClient conversations', () => {
  it('lists, creates, reads, renames and deletes with the right methods and paths', async () => {
    const seen: string[] = [];
    const conversation = {
      id: 'c1',
      project_id: 'p1',
      title: 'Counts',
      created_at: 't',
      updated_at: 't',
      message_count: 0
    };
    const base = await serve(async (req, res) => {
      const body = await readBody(req);
      const path = new URL(req.url!, 'http://x').pathname.replace('/user/ada/askdb/api/', '');
      seen.push(`${req.method} ${path} ${JSON.stringify(body ?? null)}`);
      if (req.method === 'DELETE') {
        res.writeHead(204);
        res.end();
      } else if (path.endsWith('/conversations') && req.method === 'GET') {
        json(res, 200, { conversations: [conversation] });
      } else {
        json(res, req.method === 'POST' ? 201 : 200, { ...conversation, messages: [] });
      }
    });
    const client = clientFor(base);

    expect(await client.listConversations('p1')).toEqual([conversation]);
    expect((await client.createConversation('p1', 'How many?')).id).toBe('c1');
    expect((await client.getConversation('c1')).messages).toEqual([]);
    expect((await client.renameConversation('c1', 'Counts')).title).toBe('Counts');
    await client.deleteConversation('c1');

    expect(seen).toEqual([
      'GET projects/p1/conversations null',
      'POST projects/p1/conversations {"title":"How many?"}',
      'GET conversations/c1 null',
      'PATCH conversations/c1 {"title":"Counts"}',
      'DELETE conversations/c1 null'
    ]);
  });
});
