import { credentials, makeClientConstructor, status } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { describe, expect, it } from "vitest";

import { NotFoundError, ValidationError } from "../../src/items/errors.js";
import { toRpcStatus } from "../../src/rpc/handlers.js";
import { DEFAULT_RPC_SETTINGS } from "../../src/rpc/settings.js";
import { wireProblem } from "../../src/rpc/wire.js";
import { InMemoryItemsRepository } from "../helpers.js";
import { serve, stopWithCallStuck } from "../rpc-harness.js";

const HealthClient = makeClientConstructor(healthService, "grpc.health.v1.Health");
const check =
  healthService.Check ??
  ((): never => {
    throw new Error("grpc-health-check no longer describes Health/Check");
  })();
/** The service's name, as the health service and reflection know it. */
const SERVICE = "<%= service.snakeName %>.v1.<%= service.className %>Service";

/** grpc.health.v1.Health/Check of `service` ("" for the whole server): its status, or the call's error code. */
function healthOf(address: string, service: string): Promise<string> {
  const client = new HealthClient(address, credentials.createInsecure());
  return new Promise<string>((resolve) => {
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      (request: { service: string }) => Buffer.from(check.requestSerialize(request)),
      (bytes: Buffer) => check.responseDeserialize(bytes) as { status: string },
      { service },
      { deadline: Date.now() + 2_000 },
      (error, response) => {
        client.close();
        resolve(error === null ? (response?.status ?? "") : status[error.code]);
      },
    );
  });
}

/** The services a ServerReflection list_services request names, or the call's error code. */
function reflectedServices(address: string): Promise<string> {
  const client = new HealthClient(address, credentials.createInsecure());
  return new Promise<string>((resolve) => {
    const call = client.makeBidiStreamRequest(
      "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      (request: Buffer) => request,
      (bytes: Buffer) => bytes,
      { deadline: Date.now() + 2_000 },
    );
    const chunks: Buffer[] = [];
    call.on("data", (chunk: Buffer) => chunks.push(chunk));
    call.on("error", (error: { code: status }) => {
      client.close();
      resolve(status[error.code]);
    });
    call.on("end", () => {
      client.close();
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    // ServerReflectionRequest { list_services: "" }: field 7, length-delimited, empty.
    call.write(Buffer.from([0x3a, 0x00]));
    call.end();
  });
}

// What is specific to gRPC; what every RPC layer does is in rpc-contract.test.ts.

describe("toRpcStatus", () => {
  it("maps service errors to status codes", () => {
    expect(toRpcStatus(new ValidationError("name", "must not be empty"))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: "name must not be empty",
    });
    expect(toRpcStatus(new NotFoundError("item x not found"))).toEqual({
      code: status.NOT_FOUND,
      details: "item x not found",
    });
  });

  it("hides unexpected errors behind INTERNAL", () => {
    expect(toRpcStatus(new Error("password=secret"))).toEqual({ code: status.INTERNAL, details: "internal error" });
    expect(toRpcStatus("thrown string")).toEqual({ code: status.INTERNAL, details: "internal error" });
  });
});

describe("wireProblem", () => {
  it("accepts well-formed messages and names what is wrong with cut-off ones", () => {
    expect(wireProblem(Buffer.from([]))).toBeUndefined();
    expect(wireProblem(Buffer.from([0x0a, 0x01, 0x61, 0x10, 0x96, 0x01]))).toBeUndefined(); // "a", then 150
    expect(wireProblem(Buffer.from([0x0a, 0x05, 0x61]))).toMatch(/runs past the end/);
    expect(wireProblem(Buffer.from([0x10, 0x96]))).toMatch(/varint field is cut off/);
    expect(wireProblem(Buffer.from([0x0b]))).toBe("wire type 3 is not accepted");
    expect(wireProblem(Buffer.from([0x0d, 0x00]))).toMatch(/fixed-size field/);
  });
});

describe("gRPC server shutdown", () => {
  it("cancels calls still running after the timeout", async () => {
    const { error } = await stopWithCallStuck(200);
    expect(error).toMatchObject({ code: status.CANCELLED });
  });
});

describe("gRPC health and reflection", () => {
  it("answers grpc.health.v1 Check: NOT_SERVING until the app says it is ready, then SERVING", async () => {
    const { server, client, address } = await serve(new InMemoryItemsRepository());
    try {
      expect(await healthOf(address, "")).toBe("NOT_SERVING");
      server.setServing?.(true);
      expect(await healthOf(address, "")).toBe("SERVING");
      expect(await healthOf(address, SERVICE)).toBe("SERVING");
      expect(await healthOf(address, "no.such.Service")).toBe("NOT_FOUND");
      server.setServing?.(false);
      expect(await healthOf(address, "")).toBe("NOT_SERVING");
    } finally {
      await client.close();
      await server.stop(1_000);
    }
  });

  it("serves reflection only when GRPC_REFLECTION asks for it", async () => {
    const off = await serve(new InMemoryItemsRepository());
    const settings = { ...DEFAULT_RPC_SETTINGS, reflection: true };
    const on = await serve(new InMemoryItemsRepository(), {}, { settings });
    try {
      expect(await reflectedServices(off.address)).toBe("UNIMPLEMENTED");
      expect(await reflectedServices(on.address)).toContain(SERVICE);
    } finally {
      for (const served of [off, on]) {
        await served.client.close();
        await served.server.stop(1_000);
      }
    }
  });
});
