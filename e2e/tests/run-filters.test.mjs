// Run listings filtered the way each SDK generation sends its filters
// (arrays as repeated query parameters): 1.x runs.list with several
// agent_ids and a stop_reason, 0.1.x runs.list with several agentIds and
// background (0.1.211 has no stop_reason parameter), and the 0.1.x jobs
// routes, where a run is a job of type "run" that job lists leave out.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { newSDK, oldSDK, statusOf } from "../sdks.mjs";
import { describeStores, rejectsWithStatus, scenario } from "../suite.mjs";

const o = { maxRetries: 0, timeoutInSeconds: 120 };

/** Collect a 1.x auto-paginating list. */
async function all(page) {
  const out = [];
  for await (const item of page) out.push(item);
  return out;
}

/** Polls the run (1.x) until it leaves created/running. */
async function settled(client, id) {
  for (let i = 0; i < 500; i++) {
    const run = await client.runs.retrieve(id);
    if (!["created", "running"].includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`run ${id} never finished`);
}

const sorted = (ids) => [...ids].sort();

describeStores("run filters", (env) => {
  // Agents a, b and c, and their finished runs by stop reason.
  const fx = { agents: {}, runs: {} };

  /**
   * One async run of the agent, finished: "end_turn" with the fake's echo,
   * "max_steps" with a tool call that wants another step and max_steps 1.
   */
  async function finishedRun(client, agentID, stop) {
    await env.stack.resetLLM();
    const body = { messages: [{ role: "user", content: `run ending with ${stop}` }] };
    if (stop === "max_steps") {
      await env.stack.scriptLLM([
        { tool_calls: [{ name: "conversation_search", arguments: '{"query": "tea", "request_heartbeat": true}' }] },
      ]);
      body.max_steps = 1;
    }
    const run = await client.agents.messages.createAsync(agentID, body);
    const done = await settled(client, run.id);
    assert.equal(done.stop_reason, stop, JSON.stringify(done));
    return done.id;
  }

  async function fixture() {
    if (fx.ready) return fx;
    const client = newSDK(env.stack.baseURL).raw;
    for (const name of ["a", "b", "c"]) {
      const agent = await client.agents.create({
        name: `e2e-${runID}-runs-${name}`,
        agent_type: "memgpt_v2_agent",
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        memory_blocks: [{ label: "human", value: "name: Caren" }],
      });
      fx.agents[name] = agent.id;
    }
    const { a, b, c } = fx.agents;
    fx.runs = {
      aEnd: await finishedRun(client, a, "end_turn"),
      aMax: await finishedRun(client, a, "max_steps"),
      bMax: await finishedRun(client, b, "max_steps"),
      cMax: await finishedRun(client, c, "max_steps"),
    };
    fx.ready = true;
    return fx;
  }

  scenario("1.x: runs.list with several agent_ids and a stop_reason", env, async () => {
    const { agents, runs } = await fixture();
    const client = newSDK(env.stack.baseURL).raw;
    const listed = await all(client.runs.list({ agent_ids: [agents.a, agents.b], stop_reason: "max_steps" }));
    assert.deepEqual(sorted(listed.map((r) => r.id)), sorted([runs.aMax, runs.bMax]));
    for (const r of listed) assert.equal(r.stop_reason, "max_steps");

    // Pages of one: the SDK walks after=<last id> over the filtered list.
    const paged = await all(client.runs.list({ agent_ids: [agents.a, agents.b, agents.c], stop_reason: "max_steps", limit: 1 }));
    assert.deepEqual(paged.map((r) => r.id), [runs.cMax, runs.bMax, runs.aMax]);

    const byAgents = await all(client.runs.list({ agent_ids: [agents.a, agents.b] }));
    assert.deepEqual(sorted(byAgents.map((r) => r.id)), sorted([runs.aEnd, runs.aMax, runs.bMax]));
    const ended = await all(client.runs.list({ agent_ids: [agents.a, agents.c], stop_reason: "end_turn", statuses: ["completed"] }));
    assert.deepEqual(ended.map((r) => r.id), [runs.aEnd]);

    await rejectsWithStatus(client.runs.list({ stop_reason: "finished" }), 422, statusOf);
  });

  scenario("0.1.x: runs.list with several agentIds and background", env, async () => {
    const { agents, runs } = await fixture();
    const client = oldSDK(env.stack.baseURL).raw;
    const listed = await client.runs.list({ agentIds: [agents.a, agents.b] }, o);
    assert.deepEqual(listed.map((r) => r.id), [runs.bMax, runs.aMax, runs.aEnd]);
    // 0.1.211's Run type has no stopReason: the field passes through as sent.
    assert.deepEqual(
      listed.map((r) => r.stopReason ?? r.stop_reason),
      ["max_steps", "max_steps", "end_turn"],
    );
    const notBackground = await client.runs.list({ agentIds: [agents.b, agents.c], background: false }, o);
    assert.deepEqual(notBackground.map((r) => r.id), [runs.cMax, runs.bMax]);
    const background = await client.runs.list({ agentIds: [agents.a, agents.b, agents.c], background: true }, o);
    assert.deepEqual(background, []);
    const oldestFirst = await client.runs.list({ agentIds: [agents.a, agents.c], ascending: true, limit: 2 }, o);
    assert.deepEqual(oldestFirst.map((r) => r.id), [runs.aEnd, runs.aMax]);
  });

  scenario("0.1.x: jobs.list leaves runs out; jobs.retrieve reads a run as a job", env, async () => {
    const { runs } = await fixture();
    const client = oldSDK(env.stack.baseURL).raw;
    assert.deepEqual(await client.jobs.list({}, o), []);
    assert.deepEqual(await client.jobs.listActive({}, o), []);

    const job = await client.jobs.retrieve(runs.bMax, o);
    assert.equal(job.id, runs.bMax);
    assert.equal(job.jobType, "run");
    assert.equal(job.status, "completed");
    assert.ok(job.completedAt, JSON.stringify(job));
    assert.equal(job.requestConfig, undefined);

    await rejectsWithStatus(client.jobs.retrieve("job-00000000-0000-4000-8000-000000000000", o), 404, statusOf);
  });
});
