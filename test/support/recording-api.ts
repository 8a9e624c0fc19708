// A local stand-in for the GitHub / GitLab REST APIs: records every request, answers from a handler.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as sent (percent-encoding kept). */
  url: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when the request had none. */
  body: unknown;
}

export type Reply = { status: number; body?: unknown };
/** `'no-answer'`: the request is held open until the server closes (a hung API). */
export type Handler = (request: RecordedRequest, previous: RecordedRequest[]) => Reply | 'no-answer';

export interface RecordingApi {
  baseUrl: string;
  requests: RecordedRequest[];
  handler: Handler;
  close(): Promise<void>;
}

export const defaultHandler: Handler = (request) => {
  if (request.method === 'GET') return { status: 200, body: [] };
  if (request.method === 'DELETE') return { status: 204 };
  if (request.method === 'POST') return { status: 201, body: {} };
  return { status: 200, body: {} };
};

export async function startRecordingApi(prefix = ''): Promise<RecordingApi> {
  const api: Omit<RecordingApi, 'baseUrl' | 'close'> = { requests: [], handler: defaultHandler };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
      const reply = api.handler(recorded, [...api.requests]);
      api.requests.push(recorded);
      if (reply === 'no-answer') return;
      if (reply.body === undefined) {
        res.writeHead(reply.status).end();
      } else {
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(api, {
    baseUrl: `http://127.0.0.1:${port}${prefix}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  });
}
