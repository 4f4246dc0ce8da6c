// Every send has a run (Letta Sep-2025+): a streaming turn is cancelled from
// another request with each SDK's agents.messages.cancel, and the stream
// ends with stop_reason "cancelled"; a memgpt_agent's send_message reply is
// token-streamed as assistant_message deltas that join up to the sync reply.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks, textOf } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

const o = { maxRetries: 0, timeoutInSeconds: 120 };

/** Cancels the agent's turns with the SDK's own agents.messages.cancel. */
function cancelTurns(client, agentID) {
  return client.name === "0.1.x" ? client.raw.agents.messages.cancel(agentID, {}, o) : client.raw.agents.messages.cancel(agentID, {});
}

/** Waits until the agent has an active run whose model call started. */
async function activeRun(env, agentID) {
  for (let i = 0; i < 500; i++) {
    const res = await fetch(`${env.stack.baseURL}/v1/runs/active?agent_id=${agentID}`);
    const runs = await res.json();
    if (runs.length === 1 && (await env.stack.llmRequests()).length > 0) return runs[0];
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`agent ${agentID} never had an active run`);
}

describeStores("runs for every send", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: cancel a streaming turn from another request`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const agent = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-cancel-stream`,
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        memory_blocks: [{ label: "human", value: "name: Caren" }],
      });
      await env.stack.resetLLM();
      await env.stack.scriptLLM([{ content: "never sent", delay_ms: 30000 }]);
      const streaming = client.streamMessage(agent.id, "take your time", { streamTokens: true });
      const run = await activeRun(env, agent.id);
      const cancelled = await cancelTurns(client, agent.id);
      assert.equal(cancelled[run.id], "cancelled", JSON.stringify(cancelled));

      const chunks = (await streaming).filter((c) => c.message_type !== "ping");
      assert.equal(chunks.at(-1).message_type, "stop_reason", JSON.stringify(chunks));
      assert.equal(chunks.at(-1).stop_reason, "cancelled");
      const res = await fetch(`${env.stack.baseURL}/v1/runs/${run.id}`);
      assert.equal((await res.json()).status, "cancelled");

      await env.stack.resetLLM();
      const reply = await client.sendMessage(agent.id, "are you there?");
      const said = reply.messages.filter((m) => m.message_type === "assistant_message").map((m) => textOf(m.content));
      assert.deepEqual(said, ["Echo: are you there?"]);
      await client.deleteAgent(agent.id);
    });

    scenario(`${sdk.name}: token streaming of a memgpt_agent reply`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const agent = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-memgpt-tokens`,
        agent_type: "memgpt_agent",
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        memory_blocks: [{ label: "human", value: "name: Caren" }],
      });
      const args = '{"message": "She said \\"caf\\u00e9 \\ud83d\\ude00\\" \\\\ ok\\nbye", "request_heartbeat": false}';
      const reply = { content: "Thinking.", tool_calls: [{ name: "send_message", arguments: args }] };
      await env.stack.resetLLM();
      await env.stack.scriptLLM([reply, reply]);
      const sync = await client.sendMessage(agent.id, "one");
      const syncText = sync.messages.filter((m) => m.message_type === "assistant_message").map((m) => textOf(m.content)).join("");
      assert.equal(syncText, 'She said "café 😀" \\ ok\nbye');

      const chunks = await client.streamMessage(agent.id, "two", { streamTokens: true });
      const assistant = chunks.filter((c) => c.message_type === "assistant_message");
      assert.ok(assistant.length >= 3, `only ${assistant.length} assistant chunks`);
      assert.equal(new Set(assistant.map((c) => c.id)).size, 1, "the deltas share one id");
      assert.equal(assistant.map((c) => textOf(c.content)).join(""), syncText);
      assert.ok(!chunks.some((c) => c.message_type === "tool_call_message"), "send_message is not streamed as a tool call");
      const runIDs = chunks.at(-1).run_ids;
      assert.equal(runIDs.length, 1);
      assert.ok(assistant.every((c) => c.run_id === runIDs[0]), "every chunk carries the run id");
      await client.deleteAgent(agent.id);
    });
  }
});
