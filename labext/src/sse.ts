/**
 * Server-Sent Events over a fetch response: a small parser of the `text/event-stream` format
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream).
 *
 * `EventSource` cannot POST or send the Jupyter token header, so the panel reads the body of a
 * `ServerConnection.makeRequest` response itself and feeds its chunks to `SSEParser`.
 */

/** One dispatched event: its name (`message` when the stream gave none) and its data lines. */
export interface IServerEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Turns chunks of an event stream into events. Chunks may split lines, or even a CRLF pair,
 * anywhere; an event is dispatched at the blank line that ends it.
 */
export class SSEParser {
  /** Feed the next chunk of text; returns the events it completed, in order. */
  feed(chunk: string): IServerEvent[] {
    this._buffer += chunk;
    const events: IServerEvent[] = [];
    let start = 0;
    for (;;) {
      const end = this._lineEnd(start);
      if (end === null) {
        break;
      }
      const line = this._buffer.slice(start, end.at);
      start = end.next;
      const event = this._line(line);
      if (event) {
        events.push(event);
      }
    }
    this._buffer = this._buffer.slice(start);
    return events;
  }

  /**
   * The stream ended. A final lone "\r" still ends its line (it was held back in case a "\n"
   * followed); an event without its final blank line is dropped, as the spec says.
   */
  end(): IServerEvent[] {
    const events: IServerEvent[] = [];
    if (this._buffer.endsWith('\r')) {
      events.push(...this.feed('\n'));
    }
    this._buffer = '';
    this._reset();
    return events;
  }

  /** Where the line starting at `from` ends, or null when its end has not arrived yet. */
  private _lineEnd(from: number): { at: number; next: number } | null {
    for (let i = from; i < this._buffer.length; i++) {
      const c = this._buffer[i];
      if (c === '\n') {
        return { at: i, next: i + 1 };
      }
      if (c === '\r') {
        if (i + 1 === this._buffer.length) {
          return null; // a "\r\n" may be split across chunks: wait for the next one
        }
        return { at: i, next: this._buffer[i + 1] === '\n' ? i + 2 : i + 1 };
      }
    }
    return null;
  }

  private _line(line: string): IServerEvent | null {
    if (line === '') {
      return this._dispatch();
    }
    if (line.startsWith(':')) {
      return null; // a comment (keep-alive)
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      this._event = value;
    } else if (field === 'data') {
      this._data.push(value);
    } else if (field === 'id' && !value.includes('\0')) {
      this._id = value;
    }
    return null;
  }

  private _dispatch(): IServerEvent | null {
    if (this._data.length === 0) {
      this._reset();
      return null;
    }
    const event: IServerEvent = { event: this._event || 'message', data: this._data.join('\n') };
    if (this._id !== undefined) {
      event.id = this._id;
    }
    this._reset();
    return event;
  }

  private _reset(): void {
    this._event = '';
    this._data = [];
  }

  private _buffer = '';
  private _event = '';
  private _data: string[] = [];
  private _id: string | undefined = undefined;
}

/**
 * Read an event-stream body to its end, calling `onEvent` for each event as it arrives.
 * Rejects with the reader's error (an `AbortError` when the request's signal was aborted).
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: IServerEvent) => void
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SSEParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      parser.feed(decoder.decode(value, { stream: true })).forEach(onEvent);
    }
    parser.feed(decoder.decode()).forEach(onEvent);
    parser.end().forEach(onEvent);
  } finally {
    reader.releaseLock();
  }
}
