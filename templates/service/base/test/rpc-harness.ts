import type { ItemsRepository } from "../src/items/items-repository.js";
import { ItemsService } from "../src/items/items-service.js";
import { createMetrics } from "../src/metrics.js";
import { type ClientOptions, createClient } from "../src/rpc/client.js";
import { type RpcServerOptions, startRpcServer } from "../src/rpc/server.js";
import { BlockingItemsRepository, rejectionOf, silentLogger } from "./helpers.js";
import { eventually } from "./retry.js";

// The RPC unit tests' set-up, written only against the shared contract (src/rpc/contract.ts).

/** Starts the real RPC server on a free port over the given repository, and a client of it. */
export async function serve(
  repository: ItemsRepository,
  options: ClientOptions = {},
  server: Pick<RpcServerOptions, "requestTimeoutMs" | "settings"> = {},
) {
  const metrics = createMetrics();
  const rpcServer = await startRpcServer({
    port: 0,
    host: "127.0.0.1",
    items: new ItemsService(repository),
    metrics,
    logger: silentLogger,
    ...server,
  });
  const address = `127.0.0.1:${String(rpcServer.port)}`;
  return { metrics, server: rpcServer, address, client: createClient(address, options) };
}

/** A served client with one createItem({ name }) call blocked in storage until repository.release(). */
export async function serveWithCallInFlight(name: string) {
  const repository = new BlockingItemsRepository();
  const served = await serve(repository);
  const inFlight = served.client.createItem({ name });
  await eventually(() => Promise.resolve(repository.blocked === 1));
  return { ...served, repository, inFlight };
}

/** Stops the server with timeoutMs while a call is stuck in storage: how long stop() took, and how the call failed. */
export async function stopWithCallStuck(timeoutMs: number): Promise<{ elapsedMs: number; error: unknown }> {
  const { server, client, repository, inFlight } = await serveWithCallInFlight("stuck");
  const failed = rejectionOf(inFlight);
  const started = Date.now();
  await server.stop(timeoutMs);
  const elapsedMs = Date.now() - started;
  const error = await failed;
  repository.release();
  await client.close();
  return { elapsedMs, error };
}
