// Steps with both SDK generations: a two-step turn records two steps for
// the agent, each with its model and token counts, and the response's usage
// is their sum.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

describeStores("steps", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: list by agent, retrieve, usage adds up`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const agent = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-steps`,
        agent_type: "memgpt_agent",
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        memory_blocks: [{ label: "human", value: "name: Caren" }],
      });

      await env.stack.resetLLM();
      await env.stack.scriptLLM([
        {
          tool_calls: [{ name: "conversation_search", arguments: { query: "tea", request_heartbeat: true } }],
          usage: { prompt_tokens: 101, completion_tokens: 11, total_tokens: 112 },
        },
        {
          tool_calls: [{ name: "send_message", arguments: { message: "Nothing about tea." } }],
          usage: { prompt_tokens: 203, completion_tokens: 17, total_tokens: 220 },
        },
      ]);
      const res = await client.sendMessage(agent.id, "Did I mention tea?");
      assert.equal(res.usage.step_count, 2);

      const steps = await client.listSteps({ agent_id: agent.id });
      assert.equal(steps.length, 2, `steps: ${JSON.stringify(steps)}`);
      for (const step of steps) {
        assert.match(step.id, /^step-/);
        assert.equal(step.agent_id, agent.id);
        assert.ok(step.model, `step ${step.id} has a model`);
        assert.ok(step.prompt_tokens > 0 && step.completion_tokens > 0, `step tokens: ${JSON.stringify(step)}`);
        assert.equal(step.total_tokens, step.prompt_tokens + step.completion_tokens);
      }
      const sum = (k) => steps.reduce((n, s) => n + s[k], 0);
      assert.equal(res.usage.prompt_tokens, sum("prompt_tokens"));
      assert.equal(res.usage.completion_tokens, sum("completion_tokens"));
      assert.equal(res.usage.total_tokens, sum("total_tokens"));
      assert.deepEqual([res.usage.prompt_tokens, res.usage.completion_tokens, res.usage.total_tokens], [304, 28, 332]);

      const stepIDs = new Set(steps.map((s) => s.id));
      for (const m of res.messages) {
        assert.ok(stepIDs.has(m.step_id), `${m.message_type} ${m.id} names step ${m.step_id}, not one of the agent's`);
      }

      const one = await client.retrieveStep(steps[0].id);
      assert.equal(one.id, steps[0].id);
      assert.equal(one.agent_id, agent.id);
      assert.equal(one.model, steps[0].model);
      assert.equal(one.total_tokens, steps[0].total_tokens);

      // Another agent's steps are not listed under this one.
      const other = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-steps-other`,
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
      });
      assert.deepEqual(await client.listSteps({ agent_id: other.id }), []);

      await client.deleteAgent(other.id);
      await client.deleteAgent(agent.id);
    });
  }
});
