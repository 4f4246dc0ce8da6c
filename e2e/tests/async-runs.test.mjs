// Async runs with each SDK's own methods: createAsync returns a Run at once,
// polling runs.retrieve reaches "completed", and the run's messages, steps
// and usage describe the turn; a slow async run cancelled with
// agents.messages.cancel stops, and the agent answers the next message.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks, textOf } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

const o = { maxRetries: 0, timeoutInSeconds: 120 };

/** The SDK's async send, run retrieval, and run listings, as plain objects. */
function runAPI(client) {
  const c = client.raw;
  if (client.name === "0.1.x") {
    return {
      createAsync: (agentID, text) => c.agents.messages.createAsync(agentID, { messages: [{ role: "user", content: text }] }, o),
      retrieve: (id) => c.runs.retrieve(id, o),
      messages: (id) => c.runs.messages.list(id, {}, o),
      steps: (id) => c.runs.steps.list(id, {}, o),
      usage: (id) => c.runs.usage.retrieve(id, o),
      cancel: (agentID) => c.agents.messages.cancel(agentID, {}, o),
    };
  }
  const all = async (page) => {
    const out = [];
    for await (const item of page) out.push(item);
    return out;
  };
  return {
    createAsync: (agentID, text) => c.agents.messages.createAsync(agentID, { messages: [{ role: "user", content: text }] }),
    retrieve: (id) => c.runs.retrieve(id),
    messages: (id) => all(c.runs.messages.list(id)),
    steps: (id) => all(c.runs.steps.list(id)),
    usage: (id) => c.runs.usage.retrieve(id),
    cancel: (agentID) => c.agents.messages.cancel(agentID, {}),
  };
}

/** Polls the run until it leaves created/running. */
async function settled(api, id) {
  for (let i = 0; i < 500; i++) {
    const run = await api.retrieve(id);
    if (!["created", "running"].includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`run ${id} never finished`);
}

describeStores("async runs", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: an async run is polled to completion; its messages, steps and usage are listed`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const api = runAPI(client);
      const agent = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-async`,
        agent_type: "memgpt_agent",
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        memory_blocks: [{ label: "human", value: "name: Caren" }],
      });
      await env.stack.resetLLM();
      await env.stack.scriptLLM([
        { tool_calls: [{ name: "conversation_search", arguments: '{"query": "tea", "request_heartbeat": true}' }] },
        { tool_calls: [{ name: "send_message", arguments: '{"message": "No tea found.", "request_heartbeat": false}' }] },
      ]);
      const run = await api.createAsync(agent.id, "have we talked about tea?");
      assert.match(run.id, /^run-/);
      assert.ok(["created", "running"].includes(run.status), `new run status ${run.status}`);

      const done = await settled(api, run.id);
      assert.equal(done.status, "completed", JSON.stringify(done));

      const messages = await api.messages(run.id);
      const types = messages.map((m) => m.messageType ?? m.message_type);
      assert.ok(types.includes("tool_call_message"), types.join(","));
      assert.ok(types.includes("tool_return_message"), types.join(","));
      const said = messages.filter((m) => (m.messageType ?? m.message_type) === "assistant_message").map((m) => textOf(m.content));
      assert.deepEqual(said, ["No tea found."]);

      const steps = await api.steps(run.id);
      assert.equal(steps.length, 2, JSON.stringify(steps));
      for (const s of steps) assert.equal(s.runId ?? s.run_id, run.id);

      const usage = await api.usage(run.id);
      const total = usage.totalTokens ?? usage.total_tokens;
      assert.ok(total > 0, JSON.stringify(usage));
      await client.deleteAgent(agent.id);
    });

    scenario(`${sdk.name}: a cancelled async run stops and the agent answers the next message`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const api = runAPI(client);
      const agent = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-async-cancel`,
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        memory_blocks: [{ label: "human", value: "name: Caren" }],
      });
      await env.stack.resetLLM();
      await env.stack.scriptLLM([{ content: "never sent", delay_ms: 30000 }]);
      const run = await api.createAsync(agent.id, "take your time");
      for (let i = 0; i < 500 && (await env.stack.llmRequests()).length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const cancelled = await api.cancel(agent.id);
      assert.equal(cancelled[run.id], "cancelled", JSON.stringify(cancelled));
      const done = await settled(api, run.id);
      assert.equal(done.status, "cancelled");

      await env.stack.resetLLM();
      const reply = await client.sendMessage(agent.id, "are you there?");
      const said = reply.messages.filter((m) => m.message_type === "assistant_message").map((m) => textOf(m.content));
      assert.deepEqual(said, ["Echo: are you there?"]);
      await client.deleteAgent(agent.id);
    });
  }
});
