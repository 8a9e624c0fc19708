import { AsyncLocalStorage } from "node:async_hooks";

// Thrift has no cancel message: a caller that gives up closes its connection (src/rpc/client.ts does at
// a deadline). The server runs each call inside its connection's signal, so the handler can see it go.
const connectionGone = new AsyncLocalStorage<AbortSignal>();

/** Runs `process` so that the calls it starts see `gone`, which aborts when their connection closes. */
export const onConnection = <T>(gone: AbortSignal, process: () => T): T => connectionGone.run(gone, process);

/** The signal of the connection the current call came on; undefined outside one (unit tests). */
export const callerConnection = (): AbortSignal | undefined => connectionGone.getStore();
