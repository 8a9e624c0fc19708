#!/usr/bin/env node
// Runs services in watch mode: for each one, codegen once, then `tsc --watch` compiles src/ into dist/
// and `node --watch` restarts the service, with its .env, whenever dist/ changes. The services need their
// database and registry running: see README.md, "Getting started". After changing the IDL, start again.
// Ctrl-C stops every service as SIGTERM does in production (deregistered, calls drained).
//
//   node scripts/dev.mjs                    every service (the root `dev` script)
//   node scripts/dev.mjs services/<name>    one service (its own `dev` script)
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { setTimeout } from "node:timers";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const servicesDir = path.join(root, "services");
const dirs =
  process.argv.length > 2
    ? process.argv.slice(2).map((dir) => path.resolve(dir))
    : readdirSync(servicesDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(path.join(servicesDir, entry.name, "package.json")))
        .map((entry) => path.join(servicesDir, entry.name))
        .sort();
// Several services at once: each line says whose it is.
const label = (dir) => (dirs.length > 1 ? `[${path.basename(dir)}] ` : "");

/** @type {import("node:child_process").ChildProcess[]} */
const children = [];
let stopping = false;

/**
 * Stops every child (each in its own process group, so Ctrl-C reaches them once, from here) and exits
 * when they have.
 * @param {number} code
 */
function stop(code) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const child of children) child.kill("SIGTERM");
  setTimeout(() => children.forEach((child) => child.kill("SIGKILL")), 20_000).unref();
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => stop(0));
// Output piped into a reader that is gone (`<%= pm.run('dev') %> | tee log` after Ctrl-C) must not stop the stopping.
let readerGone = false;
for (const out of [process.stdout, process.stderr]) {
  out.on("error", () => {
    readerGone = true;
  });
}
// Should this script die anyway, its children are not left running on their own.
process.on("exit", () => children.forEach((child) => child.kill("SIGTERM")));

/**
 * Starts `args` under node in `dir`; its output goes to ours, line by line, labelled.
 * @param {string} dir
 * @param {string[]} args
 * @param {(line: string) => void} [onLine] sees every line of its standard output
 */
function run(dir, args, onLine) {
  const child = spawn(process.execPath, args, { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    let rest = "";
    stream?.setEncoding("utf8").on("data", (chunk) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        if (!readerGone) out.write(`${label(dir)}${line}\n`);
        if (stream === child.stdout) onLine?.(line);
      }
    });
  }
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`${label(dir)}${args.join(" ")} exited (${signal ?? `code ${String(code)}`}): stopping`);
    stop(1);
  });
  return child;
}

for (const dir of dirs) {
  const where = path.relative(root, dir) || ".";
  if (!existsSync(path.join(dir, ".env"))) {
    console.error(`${where}/.env is missing: copy ${where}/.env.example to it and set the database password there.`);
    stop(1);
    break;
  }
  const codegen = spawnSync(process.execPath, ["scripts/codegen.mjs"], { cwd: dir, stdio: "inherit" });
  if (codegen.status !== 0) {
    stop(codegen.status ?? 1);
    break;
  }
  const tsc = createRequire(path.join(dir, "package.json")).resolve("typescript/bin/tsc");
  let started = false;
  run(dir, [tsc, "-p", "tsconfig.build.json", "--watch", "--preserveWatchOutput"], (line) => {
    // The first compilation is done (with or without errors): start the service on what it wrote.
    if (!started && !stopping && line.includes("Watching for file changes.")) {
      started = true;
      run(dir, ["--watch", "--watch-preserve-output", "--env-file=.env", "dist/main.js"]);
    }
  });
}
