/** The event-stream parser, fed the way a network delivers bytes: in arbitrary pieces. */
import { describe, expect, it } from 'vitest';

import { IServerEvent, SSEParser, readEventStream } from '../src/sse';

const STREAM =
  'event: status\ndata: {"step": "linking"}\n\n' +
  ': keep-alive comment\n\n' +
  'event: sql\ndata: {"sql": "SELECT 1",\ndata:  "explanation": null}\n\n' +
  'data: plain\n\n';

const EXPECTED: IServerEvent[] = [
  { event: 'status', data: '{"step": "linking"}' },
  { event: 'sql', data: '{"sql": "SELECT 1",\n "explanation": null}' },
  { event: 'message', data: 'plain' }
];

function feedAll(parser: SSEParser, chunks: string[]): IServerEvent[] {
  return chunks.flatMap(chunk => parser.feed(chunk));
}

describe('SSEParser', () => {
  it('parses a whole stream: names, multi-line data, comments, the default name', () => {
    expect(new SSEParser().feed(STREAM)).toEqual(EXPECTED);
  });

  it.each([1, 2, 3, 7, 16])('gives the same events when chunks are %i characters long', size => {
    const chunks = STREAM.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
    expect(feedAll(new SSEParser(), chunks)).toEqual(EXPECTED);
  });

  it('dispatches an event only at its blank line', () => {
    const parser = new SSEParser();
    expect(parser.feed('event: rows\ndata: {"rows": []}\n')).toEqual([]);
    expect(parser.feed('\n')).toEqual([{ event: 'rows', data: '{"rows": []}' }]);
  });

  it('accepts CRLF and CR line ends, even a CRLF split across chunks', () => {
    const parser = new SSEParser();
    const chunks = ['event: done\r', '\ndata: {}\r', '\n\r', '\nevent: a\rdata: b\r\r'];
    const events = [...feedAll(parser, chunks), ...parser.end()];
    expect(events).toEqual([
      { event: 'done', data: '{}' },
      { event: 'a', data: 'b' }
    ]);
  });

  it('keeps a value without the single leading space, and the last id', () => {
    const events = new SSEParser().feed('id: 7\nevent:x\ndata:  two spaces\n\n');
    expect(events).toEqual([{ event: 'x', data: ' two spaces', id: '7' }]);
  });

  it('ignores an event with no data and unknown fields', () => {
    expect(new SSEParser().feed('event: status\nretry: 10\n\n')).toEqual([]);
  });

  it('drops an unfinished event when the stream ends', () => {
    const parser = new SSEParser();
    expect(parser.feed('event: sql\ndata: {"sql"')).toEqual([]);
    expect(parser.end()).toEqual([]);
    expect(parser.feed('\n\n')).toEqual([]);
  });
});

describe('readEventStream', () => {
  it('decodes UTF-8 split inside a character and reports events in order', async () => {
    const bytes = new TextEncoder().encode(
      'data: {"q": "Zürich → €"}\n\nevent: done\ndata: {}\n\n'
    );
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        // Split inside the multi-byte characters.
        for (let i = 0; i < bytes.length; i += 5) {
          controller.enqueue(bytes.slice(i, i + 5));
        }
        controller.close();
      }
    });
    const seen: IServerEvent[] = [];
    await readEventStream(body, e => seen.push(e));
    expect(seen).toEqual([
      { event: 'message', data: '{"q": "Zürich → €"}' },
      { event: 'done', data: '{}' }
    ]);
  });
});
