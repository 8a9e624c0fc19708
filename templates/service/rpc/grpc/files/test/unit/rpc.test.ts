import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";

import { NotFoundError, ValidationError } from "../../src/items/errors.js";
import { toRpcStatus } from "../../src/rpc/handlers.js";
import { stopWithCallStuck } from "../rpc-harness.js";

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

describe("gRPC server shutdown", () => {
  it("cancels calls still running after the timeout", async () => {
    const { error } = await stopWithCallStuck(200);
    expect(error).toMatchObject({ code: status.CANCELLED });
  });
});
