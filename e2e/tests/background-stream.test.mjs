// Background streams (Letta Sep-2025+): the 1.x SDK streams a turn with
// background=true, leaves mid-turn, and re-attaches with
// runs.messages.stream(run_id, {starting_after}); the turn finished without
// it, and the rest arrives in order. The 0.1.x runs.stream replays the
// whole stored stream afterwards.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { newSDK, oldSDK, snake } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

const insertCat = '{"label": "human", "new_str": "Has a cat."}';

describeStores("background streams", (env) => {
  scenario("1.x: leave a background stream and resume it from a seq_id", env, async () => {
    const client = newSDK(env.stack.baseURL);
    const agent = await client.createAgent({
      name: `e2e-${runID}-background-stream`,
      model: "openai/gpt-4o-mini",
      embedding: "openai/text-embedding-ada-002",
      memory_blocks: [{ label: "human", value: "name: Caren" }],
    });
    await env.stack.resetLLM();
    await env.stack.scriptLLM([
      { tool_calls: [{ name: "memory_insert", arguments: insertCat }] },
      { content: "Noted, a cat.", delay_ms: 1500 },
    ]);

    const stream = await client.raw.agents.messages.stream(agent.id, {
      messages: [{ role: "user", content: "I have a cat" }],
      background: true,
    });
    const seen = [];
    for await (const chunk of stream) {
      if (chunk.message_type === "ping") continue;
      seen.push(chunk);
      if (chunk.message_type === "tool_return_message") break; // leaves: the SDK aborts the request
    }
    assert.deepEqual(seen.map((c) => c.message_type), ["tool_call_message", "tool_return_message"]);
    const runId = seen[0].run_id;
    assert.ok(runId, `no run_id on ${JSON.stringify(seen[0])}`);
    const last = seen.at(-1).seq_id;

    const resumed = await client.raw.runs.messages.stream(runId, { starting_after: last });
    const rest = [];
    for await (const chunk of resumed) if (chunk.message_type !== "ping") rest.push(chunk);
    assert.deepEqual(rest.map((c) => c.message_type), ["assistant_message", "stop_reason", "usage_statistics"]);
    assert.deepEqual(rest.map((c) => c.seq_id), [last + 1, last + 2, last + 3]);
    assert.equal(rest[0].content, "Noted, a cat.");
    assert.equal(rest[1].stop_reason, "end_turn");
    assert.ok(rest.every((c) => c.run_id === runId));

    const run = await client.raw.runs.retrieve(runId);
    assert.equal(run.status, "completed");
    assert.equal(run.background, true);

    // 0.1.x re-attaches with runs.stream and gets the whole stored stream.
    const old = oldSDK(env.stack.baseURL);
    const replay = await old.raw.runs.stream(runId, { startingAfter: 0 }, { maxRetries: 0, timeoutInSeconds: 60 });
    const all = [];
    for await (const chunk of replay) if (chunk.messageType !== "ping") all.push(snake(chunk));
    assert.deepEqual(
      all.map((c) => c.message_type),
      ["tool_call_message", "tool_return_message", "assistant_message", "stop_reason", "usage_statistics"],
    );
    assert.deepEqual(all.map((c) => c.seq_id), [1, 2, 3, 4, 5]);
    await client.deleteAgent(agent.id);
  });
});
