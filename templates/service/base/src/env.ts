import { z } from "zod";

/**
 * Error text for an environment variable, shared by src/config.ts and the registry's factory so
 * every variable reports a missing or a malformed value the same way.
 */
export const required = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? "is required" : `must be ${what}`;

export const integer = (min: number, max: number, fallback: number) => {
  const error = `must be an integer between ${String(min)} and ${String(max)}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback);
};
