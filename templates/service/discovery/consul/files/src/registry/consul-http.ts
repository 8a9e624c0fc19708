/**
 * A minimal client of Consul's HTTP API on Node's built-in fetch: the few
 * endpoints the registry uses need no library. The ACL token, when set, goes
 * in the X-Consul-Token header (https://developer.hashicorp.com/consul/api-docs/api-structure#authentication).
 */

/** A non-2xx answer from Consul; `body` is Consul's plain-text error message. */
export class ConsulApiError extends Error {
  override readonly name = "ConsulApiError";

  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`consul ${what} answered ${String(status)}: ${body.trim().slice(0, 300)}`);
  }
}

export interface ConsulAnswer {
  readonly status: number;
  readonly text: string;
  /** X-Consul-Index of endpoints that support blocking queries; undefined when absent or not a number. */
  readonly index: number | undefined;
}

export interface ConsulRequest {
  readonly query?: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent as is (a KV value); instead of `body`. */
  readonly text?: string;
  /** Statuses (besides 2xx) that are answers, not errors: e.g. 404 of a KV read. */
  readonly accept?: readonly number[];
  readonly signal?: AbortSignal;
  /** Deadline of this request; defaults to the client's. */
  readonly timeoutMs?: number;
}

export interface ConsulHttpOptions {
  /** Base URL of the local agent, e.g. http://127.0.0.1:8500. */
  readonly address: string;
  readonly token?: string | undefined;
  readonly timeoutMs?: number;
}

export class ConsulHttp {
  private readonly base: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: ConsulHttpOptions) {
    this.base = options.address.replace(/\/+$/, "");
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  get(path: string, request: ConsulRequest = {}): Promise<ConsulAnswer> {
    return this.send("GET", path, request);
  }

  put(path: string, request: ConsulRequest = {}): Promise<ConsulAnswer> {
    return this.send("PUT", path, request);
  }

  delete(path: string, request: ConsulRequest = {}): Promise<ConsulAnswer> {
    return this.send("DELETE", path, request);
  }

  private async send(method: "GET" | "PUT" | "DELETE", path: string, request: ConsulRequest): Promise<ConsulAnswer> {
    const query = new URLSearchParams(request.query).toString();
    const url = `${this.base}${path}${query === "" ? "" : `?${query}`}`;
    const headers: Record<string, string> = {};
    if (this.token !== undefined) {
      headers["X-Consul-Token"] = this.token;
    }
    if (request.body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    const deadline = AbortSignal.timeout(Math.ceil(request.timeoutMs ?? this.timeoutMs));
    const response = await fetch(url, {
      method,
      headers,
      body: request.body === undefined ? request.text : JSON.stringify(request.body),
      signal: request.signal === undefined ? deadline : AbortSignal.any([request.signal, deadline]),
    });
    const text = await response.text();
    if (!response.ok && !(request.accept ?? []).includes(response.status)) {
      throw new ConsulApiError(response.status, text, `${method} ${path}`);
    }
    return { status: response.status, text, index: parseIndex(response.headers.get("X-Consul-Index")) };
  }
}

function parseIndex(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header)) {
    return undefined;
  }
  const index = Number(header);
  return Number.isSafeInteger(index) ? index : undefined;
}

/** A path segment: service names and IDs are URL-encoded. */
export const segment = (value: string): string => encodeURIComponent(value);
