// Deployment: a password-protected server published under a path prefix
// by a reverse proxy (as on Railway or behind nginx), driven by both SDK
// generations through the proxy; then /metrics, scraped through the same
// proxy with the password, shows the turns as non-zero step, LLM call and
// token counters. The proxy forwards /letta/... unchanged; the server is
// told the prefix with LETTA_BASE_PATH.

import assert from "node:assert/strict";
import http from "node:http";
import { after, before } from "node:test";
import { runID } from "../harness.mjs";
import { sdks, statusOf } from "../sdks.mjs";
import { describeStores, rejectsWithStatus, scenario } from "../suite.mjs";

const password = "deploy-pw";
const prefix = "/letta";

/** Start a reverse proxy on 127.0.0.1 serving target under prefix. */
function startProxy(target) {
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    if (!req.url.startsWith(`${prefix}/`)) {
      res.writeHead(404).end("not under the prefix");
      return;
    }
    const out = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url, // forwarded with the prefix
        headers: { ...req.headers, host: upstream.host, "x-forwarded-proto": "http" },
      },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res); // streams pass through as they arrive
      },
    );
    out.on("error", (err) => res.destroy(err));
    req.pipe(out);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/** Sum of the samples of a metric whose labels contain every given pair. */
function metricSum(text, name, labels = {}) {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

describeStores(
  "behind a path-prefix proxy with a password",
  (env) => {
    let proxy, base;
    before(async () => {
      proxy = await startProxy(env.stack.baseURL);
      base = `http://127.0.0.1:${proxy.address().port}${prefix}`;
    });
    after(() => proxy?.close());

    scenario("probes and the API document need no password; the API does", env, async () => {
      for (const p of ["/v1/health/", "/v1/ready"]) {
        assert.equal((await fetch(base + p)).status, 200, p);
      }
      const doc = await (await fetch(`${base}/openapi.json`)).json();
      assert.equal(doc.servers[0].url, `${prefix}/`);
      assert.ok(doc.paths["/v1/agents/"], "the document describes /v1/agents/");
      assert.equal((await fetch(`${base}/v1/agents/`)).status, 401);
      assert.equal((await fetch(`${base}/metrics`)).status, 401);
    });

    for (const sdk of sdks) {
      scenario(`${sdk.name}: agent, message and stream through the proxy`, env, async () => {
        await rejectsWithStatus(sdk.make(base, "wrong").listAgents({}), 401, statusOf);
        const client = sdk.make(base, password);
        const agent = await client.createAgent({
          name: `e2e-${runID}-${sdk.name}-proxy`,
          model: "openai/gpt-4o-mini",
          embedding: "openai/text-embedding-ada-002",
          memory_blocks: [{ label: "human", value: "name: Caren" }],
        });
        const sent = await client.sendMessage(agent.id, "hello through the proxy");
        assert.ok(sent.messages.some((m) => m.message_type === "assistant_message"), "a reply arrived");
        const chunks = await client.streamMessage(agent.id, "and streamed");
        const types = chunks.map((c) => c.message_type);
        assert.ok(types.includes("assistant_message"), `stream: ${types}`);
        assert.ok(types.includes("stop_reason"), `stream: ${types}`);
      });
    }

    scenario("/metrics counts the steps, LLM calls and tokens", env, async () => {
      const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${password}` } });
      assert.equal(res.status, 200);
      const text = await res.text();
      const labels = { provider: "openai", model: "gpt-4o-mini" };
      assert.ok(metricSum(text, "letta_agent_steps_total", { ...labels, status: "success" }) >= 2 * sdks.length, "steps");
      assert.ok(metricSum(text, "letta_llm_calls_total", { ...labels, outcome: "ok" }) >= 2 * sdks.length, "llm calls");
      assert.ok(metricSum(text, "letta_llm_tokens_total", { ...labels, kind: "prompt" }) > 0, "prompt tokens");
      assert.ok(metricSum(text, "letta_llm_tokens_total", { ...labels, kind: "completion" }) > 0, "completion tokens");
      assert.ok(metricSum(text, "letta_http_requests_total", { route: "/v1/agents/{agent_id}/messages/stream", status: "200" }) >= sdks.length);
      assert.ok(text.includes("letta_db_pool_max_connections{"), "pool gauges");
    });
  },
  { password, env: { LETTA_BASE_PATH: prefix } },
);
