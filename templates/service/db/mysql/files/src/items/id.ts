import { randomBytes } from "node:crypto";

/**
 * Returns a UUID version 7 (RFC 9562): 48-bit Unix milliseconds then random
 * bits, so ids sort by creation time as strings and as binary keys.
 */
export function newItemId(unixMillis: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(unixMillis, 0, 6);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x70, 6); // version 7
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8); // RFC 4122 variant
  const hex = bytes.toString("hex");
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
}
