/**
 * The API client against a real HTTP server on loopback that answers like askdb_server.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

import { ServerConnection } from '@jupyterlab/services';
import { afterEach, describe, expect, it } from 'vitest';

import { AskDBAPIError, AskDBClient, IProject } from '../src/api';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];

/** Start a loopback server with `handler`; returns its base URL with a Jupyter-like prefix. */
async function serve(handler: Handler, prefix = '/user/ada/'): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}${prefix}`;
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
    servers.splice(0).map(s => new Promise(resolve => s.close(() => resolve(undefined))))
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

    const error = await clientFor(base).listProjects().catch(e => e);

    expect(error).toBeInstanceOf(AskDBAPIError);
    expect(error.status).toBe(403);
    expect(error.code).toBe('forbidden');
    expect(error.message).toBe('AskDB server error 403: You are not a member of this organization.');
  });

  it('falls back to the body text when an error is not JSON', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('Bad Gateway from proxy');
    });

    const error = await clientFor(base).listProjects().catch(e => e);

    expect(error).toBeInstanceOf(AskDBAPIError);
    expect(error.status).toBe(502);
    expect(error.code).toBeNull();
    expect(error.message).toBe('AskDB server error 502: Bad Gateway from proxy');
  });

  it('rejects a 200 answer that is not a project list', async () => {
    const base = await serve((_req, res) => json(res, 200, { items: [] }));

    const error = await clientFor(base).listProjects().catch(e => e);

    expect(error).toBeInstanceOf(AskDBAPIError);
    expect(error.message).toMatch(/unexpected project list/);
  });

  it('says the server cannot be reached when nothing listens', async () => {
    const base = await serve(() => undefined);
    await new Promise(resolve => servers.pop()!.close(resolve));

    const error = await clientFor(base).listProjects().catch(e => e);

    expect(error).toBeInstanceOf(AskDBAPIError);
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/^Cannot reach the AskDB server: /);
  });
});
