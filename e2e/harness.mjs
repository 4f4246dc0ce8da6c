// Test harness: starts the fake OpenAI server and a letta-server binary
// pointed at it, for one store, and stops both (whole process groups) at the
// end. It builds nothing: scripts/test.sh builds bin/letta-server and
// bin/fakellm first, or LETTA_SERVER_BIN / FAKELLM_BIN name other builds.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Path of the letta-server binary under test. */
export const serverBin = path.resolve(here, process.env.LETTA_SERVER_BIN || "../bin/letta-server");
/** Path of the fake OpenAI server binary. */
export const fakeLLMBin = path.resolve(here, process.env.FAKELLM_BIN || "../bin/fakellm");

/** A short id unique to this test process, for names and tags in shared databases. */
export const runID = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

// Every child started here, so an abrupt exit still kills them.
const children = new Set();
process.on("exit", () => {
  for (const child of children) killGroup(child, "SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, () => {
    for (const child of children) killGroup(child, "SIGKILL");
    process.exit(130);
  });
}

function killGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole group: detached made the child its leader
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * The stores to run every scenario against: SQLite always; Postgres when
 * TEST_DATABASE_URL is set. With E2E_REQUIRE_PG=1 and no URL, the Postgres
 * entry carries an error so its tests fail instead of being skipped.
 */
export function stores() {
  const list = [{ name: "sqlite" }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    list.push({ name: "postgres", databaseURL: url });
  } else if (process.env.E2E_REQUIRE_PG === "1") {
    list.push({
      name: "postgres",
      error: new Error("E2E_REQUIRE_PG=1 but TEST_DATABASE_URL is unset: start Postgres (../shared/scripts/pgvector.sh start) and export its URL"),
    });
  } else if (!stores.warned) {
    stores.warned = true;
    console.error("e2e: TEST_DATABASE_URL is unset; running on SQLite only");
  }
  return list;
}

/** Start a child in its own process group, logging its output to logFile. */
function startChild(bin, args, env, logFile) {
  if (!existsSync(bin)) {
    throw new Error(`${bin} does not exist: build it first (scripts/test.sh or make build)`);
  }
  const child = spawn(bin, args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const log = createWriteStream(logFile);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.log = log;
  child.logFile = logFile;
  return child;
}

/** Wait for a line of the child's output matching re; resolve with the match. */
function waitForLine(child, re, what, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    let buf = "";
    const onData = (chunk) => {
      buf += chunk.toString();
      const m = buf.match(re);
      if (m) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new Error(`${what} exited (code ${code}, signal ${signal}) before it was ready; log: ${child.logFile}\n${buf.slice(-4000)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what} not ready after ${timeoutMs} ms; log: ${child.logFile}\n${buf.slice(-4000)}`));
    }, timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.stderr.off("data", onData);
      child.off("exit", onExit);
    }
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", onExit);
  });
}

/** Stop a child: SIGTERM to its group, SIGKILL after graceMs. */
async function stopChild(child, graceMs = 10000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    child?.log?.end();
    return;
  }
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
  const result = await exited;
  clearTimeout(timer);
  child.log.end();
  return result;
}

async function waitHealthy(baseURL, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseURL}/v1/health/`);
      if (res.ok) return await res.json();
      last = `status ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`letta-server at ${baseURL} not healthy after ${timeoutMs} ms: ${last}`);
}

/**
 * Start fakellm and letta-server for one store.
 *
 * @param {object} opts
 * @param {string} [opts.databaseURL] Postgres URL; SQLite under a temp dir when unset
 * @param {string} [opts.password]    LETTA_SERVER_PASSWORD
 * @param {Record<string,string>} [opts.env] extra environment for the server
 * @returns {Promise<Stack>}
 */
export async function startStack(opts = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "letta-e2e-"));
  let fake, server;
  const stack = {
    dir,
    baseURL: "",
    fakeURL: "",
    health: null,
    /** Reset fakellm's script and request log. */
    async resetLLM() {
      const res = await fetch(`${stack.fakeControlURL}/_reset`, { method: "POST" });
      if (!res.ok) throw new Error(`fakellm /_reset: ${res.status}`);
    },
    /** Queue scripted replies (see cmd/fakellm). */
    async scriptLLM(replies) {
      const res = await fetch(`${stack.fakeControlURL}/_script`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(replies),
      });
      if (!res.ok) throw new Error(`fakellm /_script: ${res.status} ${await res.text()}`);
    },
    /** The chat requests fakellm has received. */
    async llmRequests() {
      const res = await fetch(`${stack.fakeControlURL}/_requests`);
      if (!res.ok) throw new Error(`fakellm /_requests: ${res.status}`);
      return res.json();
    },
    /** Stop both processes and remove the temp dir (kept when E2E_KEEP=1). */
    async stop() {
      const result = await stopChild(server);
      await stopChild(fake);
      if (process.env.E2E_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
      return result;
    },
  };

  try {
    fake = startChild(fakeLLMBin, ["-addr", "127.0.0.1:0"], { PATH: process.env.PATH }, path.join(dir, "fakellm.log"));
    const [, fakeURL] = await waitForLine(fake, /fakellm listening on (http:\/\/\S+)/, "fakellm");
    stack.fakeURL = fakeURL;
    // Control routes live at the server root, beside /v1.
    stack.fakeControlURL = fakeURL.replace(/\/v1\/?$/, "");

    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      LETTA_DATA_DIR: path.join(dir, "data"),
      LETTA_HOST: "127.0.0.1",
      PORT: "0", // the server picks a free port and logs it
      LETTA_LOG_FORMAT: "json",
      LETTA_LOG_LEVEL: process.env.E2E_LOG_LEVEL || "info",
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: fakeURL,
      ...(opts.databaseURL ? { LETTA_PG_URI: opts.databaseURL } : {}),
      ...(opts.password ? { LETTA_SERVER_PASSWORD: opts.password } : {}),
      ...opts.env,
    };
    server = startChild(serverBin, [], env, path.join(dir, "letta-server.log"));
    const [line] = await waitForLine(server, /\{[^\n]*"msg":"letta-server listening"[^\n]*\}/, "letta-server", 60000);
    const { addr } = JSON.parse(line);
    stack.baseURL = `http://${addr}`;
    stack.health = await waitHealthy(stack.baseURL);
    stack.serverLog = server.logFile;
    return stack;
  } catch (err) {
    await stack.stop().catch(() => {});
    throw err;
  }
}
