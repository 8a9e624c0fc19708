import type { ServiceDefinition } from "@grpc/grpc-js";

const MALFORMED = Symbol("malformed request");

/** What the server gets in place of a request that is not well-formed protobuf. */
export interface MalformedRequest {
  readonly [MALFORMED]: string;
}

export const isMalformed = (request: unknown): request is MalformedRequest =>
  typeof request === "object" && request !== null && MALFORMED in request;

/** Why the request is malformed, for the INVALID_ARGUMENT details. */
export const malformation = (request: MalformedRequest): string => request[MALFORMED];

/**
 * Checks the wire format of a message's fields: every tag, varint and field ends within the message,
 * and no deprecated group appears. protobufjs's Buffer reader clamps a string that claims more bytes
 * than remain, so a truncated message would otherwise be decoded and stored. Nested messages are not
 * walked: this API's requests have none.
 */
export function wireProblem(bytes: Uint8Array): string | undefined {
  let position = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const byte = bytes[position];
      if (byte === undefined) {
        return undefined;
      }
      position += 1;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        return value;
      }
    }
    return undefined;
  };
  while (position < bytes.length) {
    const tag = varint();
    if (tag === undefined || tag < 8) {
      return "a field tag is cut off or invalid";
    }
    const wireType = tag % 8;
    if (wireType === 0) {
      if (varint() === undefined) {
        return "a varint field is cut off";
      }
    } else if (wireType === 2) {
      const length = varint();
      if (length === undefined || position + length > bytes.length) {
        return "a length-delimited field runs past the end of the message";
      }
      position += length;
    } else if (wireType === 1 || wireType === 5) {
      position += wireType === 1 ? 8 : 4;
      if (position > bytes.length) {
        return "a fixed-size field runs past the end of the message";
      }
    } else {
      return `wire type ${String(wireType)} is not accepted`;
    }
  }
  return undefined;
}

/**
 * The service's definition with every request checked (wireProblem) before it is decoded: a malformed
 * one, or one the decoder rejects, reaches the handler as a MalformedRequest, which answers it
 * INVALID_ARGUMENT and counts it (grpc-js would answer a decoding error INTERNAL, past the metrics).
 */
export function withStrictDecoding<Definition extends ServiceDefinition>(definition: Definition): Definition {
  const methods = Object.entries(definition).map(([name, method]) => [
    name,
    {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        const problem = wireProblem(bytes);
        if (problem !== undefined) {
          return { [MALFORMED]: problem } satisfies MalformedRequest;
        }
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          return { [MALFORMED]: error instanceof Error ? error.message : String(error) } satisfies MalformedRequest;
        }
      },
    },
  ]);
  return Object.fromEntries(methods) as Definition;
}
