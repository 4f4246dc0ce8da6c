// Streaming sends (SSE) with both SDK generations' own stream parsers:
// 0.1.x agents.messages.createStream, 1.x agents.messages.stream. Whole
// messages arrive once, then stop_reason, then usage_statistics; with
// token streaming the parts of one message share its id and join up to the
// full reply. The history afterwards is the same as for a sync send.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks, textOf } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

describeStores("streaming", (env) => {
  for (const sdk of sdks) {
    for (const streamTokens of [false, true]) {
      scenario(`${sdk.name}: stream_tokens=${streamTokens}`, env, async () => {
        const client = sdk.make(env.stack.baseURL);
        const text = `Stream to me (${sdk.name}, ${streamTokens})`;
        const agent = await client.createAgent({
          name: `e2e-${runID}-${sdk.name}-stream-${streamTokens}`,
          model: "openai/gpt-4o-mini",
          embedding: "openai/text-embedding-ada-002",
          memory_blocks: [{ label: "human", value: "name: Caren" }],
        });

        const chunks = await client.streamMessage(agent.id, text, { streamTokens });
        const types = chunks.map((c) => c.message_type);
        const assistant = chunks.filter((c) => c.message_type === "assistant_message");
        assert.ok(assistant.length >= 1, `chunk types: ${JSON.stringify(types)}`);
        assert.equal(new Set(assistant.map((c) => c.id)).size, 1, "one reply message, one id");
        assert.equal(assistant.map((c) => textOf(c.content)).join(""), `Echo: ${text}`);
        if (!streamTokens) assert.equal(assistant.length, 1, "without token streaming a message arrives whole");

        const tail = types.slice(-2);
        assert.deepEqual(tail, ["stop_reason", "usage_statistics"], `chunk types: ${JSON.stringify(types)}`);
        assert.equal(chunks.at(-2).stop_reason, "end_turn");
        assert.ok(chunks.at(-1).step_count >= 1);
        assert.ok(!types.includes("user_message"), "the input is not echoed");

        const history = await client.listMessages(agent.id);
        assert.equal(history.filter((m) => m.message_type === "user_message" && m.content === text).length, 1);
        assert.equal(
          history.filter((m) => m.message_type === "assistant_message" && textOf(m.content) === `Echo: ${text}`).length,
          1,
          "the streamed reply is stored once, whole",
        );
        await client.deleteAgent(agent.id);
      });
    }
  }
});
