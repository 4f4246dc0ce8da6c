// The two Letta SDK generations behind one small interface, so each scenario
// is written once and run with both. Every method calls the SDK method a
// user of that generation would call (0.1.x Fern: modify, list without
// paging; 1.x Stainless: update, auto-paging lists) and returns plain data
// with Letta's snake_case wire names (0.1.x results are camelCase in JS and
// are converted back), so assertions read the same for both.

import lettaOld from "letta-old";
import LettaNew from "letta-new";

const { LettaClient } = lettaOld;

// The 1.x client falls back to LETTA_API_KEY; tests choose tokens explicitly.
delete process.env.LETTA_API_KEY;

// Lists longer than this mean the server ignored `after` and 1.x is looping.
const maxListItems = 1000;

/** camelCase keys → snake_case, recursively (0.1.x results back to wire names). */
export function snake(value) {
  if (Array.isArray(value)) return value.map(snake);
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = snake(v);
  }
  return out;
}

/** Collect a 1.x auto-paginating list fully, failing if it never ends. */
async function collect(page) {
  const items = [];
  for await (const item of page) {
    items.push(item);
    if (items.length > maxListItems) {
      throw new Error(`list did not end after ${maxListItems} items: does the server honour "after"?`);
    }
  }
  return items;
}

/** HTTP status of an SDK error (0.1.x statusCode, 1.x status). */
export function statusOf(err) {
  return err?.statusCode ?? err?.status;
}

// 0.1.x takes camelCase request objects.
function oldCreateAgent(p) {
  return {
    name: p.name,
    model: p.model,
    embedding: p.embedding,
    tags: p.tags,
    description: p.description,
    agentType: p.agent_type,
    memoryBlocks: p.memory_blocks,
    blockIds: p.block_ids,
    identityIds: p.identity_ids,
    toolRules: p.tool_rules?.map((r) => ({ type: r.type, toolName: r.tool_name, children: r.children })),
    includeBaseToolRules: p.include_base_tool_rules,
    messageBufferAutoclear: p.message_buffer_autoclear,
  };
}

/**
 * A 0.1.211 client (Fern). token undefined reproduces what that SDK sends
 * without one: "Authorization: Bearer undefined".
 */
export function oldSDK(baseURL, token) {
  const client = new LettaClient({ baseUrl: baseURL, token });
  const o = { maxRetries: 0, timeoutInSeconds: 120 };
  return {
    name: "0.1.x",
    raw: client,
    createAgent: async (p) => snake(await client.agents.create(oldCreateAgent(p), o)),
    retrieveAgent: async (id) => snake(await client.agents.retrieve(id, {}, o)),
    listAgents: async (q = {}) =>
      snake(
        await client.agents.list(
          {
            name: q.name,
            tags: q.tags,
            matchAllTags: q.match_all_tags,
            identityId: q.identity_id,
            identifierKeys: q.identifier_keys,
          },
          o,
        ),
      ),
    updateAgent: async (id, p) => snake(await client.agents.modify(id, { name: p.name, description: p.description, tags: p.tags }, o)),
    deleteAgent: (id) => client.agents.delete(id, o),
    listAgentBlocks: async (id) => snake(await client.agents.blocks.list(id, o)),
    retrieveAgentBlock: async (id, label) => snake(await client.agents.blocks.retrieve(id, label, o)),
    attachBlock: async (agentID, blockID) => snake(await client.agents.blocks.attach(agentID, blockID, o)),
    detachBlock: async (agentID, blockID) => snake(await client.agents.blocks.detach(agentID, blockID, o)),
    sendMessage: async (id, text) =>
      snake(await client.agents.messages.create(id, { messages: [{ role: "user", content: text }] }, o)),
    createTool: async (p) => snake(await client.tools.create({ sourceCode: p.source_code, tags: p.tags }, o)),
    listTools: async (q = {}) => snake(await client.tools.list({ name: q.name }, o)),
    attachTool: async (agentId, toolId) => snake(await client.agents.tools.attach(agentId, toolId, o)),
    deleteTool: (id) => client.tools.delete(id, o),
    listMessages: async (id) => snake(await client.agents.messages.list(id, { limit: 1000 }, o)),
    streamMessage: async (id, text, { streamTokens = false } = {}) => {
      const stream = await client.agents.messages.createStream(
        id,
        { messages: [{ role: "user", content: text }], streamTokens },
        o,
      );
      const chunks = [];
      for await (const chunk of stream) chunks.push(snake(chunk));
      return chunks;
    },
    createBlock: async (p) => snake(await client.blocks.create({ label: p.label, value: p.value, limit: p.limit, description: p.description }, o)),
    retrieveBlock: async (id) => snake(await client.blocks.retrieve(id, o)),
    listBlocks: async (q = {}) => snake(await client.blocks.list({ label: q.label }, o)),
    updateBlock: async (id, p) => snake(await client.blocks.modify(id, { value: p.value, description: p.description }, o)),
    deleteBlock: (id) => client.blocks.delete(id, o),
    listBlockAgents: async (id) => snake(await client.blocks.agents.list(id, {}, o)),
    listSteps: async (q = {}) => snake(await client.steps.list({ agentId: q.agent_id, limit: 1000 }, o)),
    retrieveStep: async (id) => snake(await client.steps.retrieve(id, o)),
    listLLMs: async () => snake(await client.models.list({}, o)),
    health: async () => snake(await client.health.check(o)),
    createPassage: async (agentId, p) =>
      snake(await client.agents.passages.create(agentId, { text: p.text, tags: p.tags, createdAt: p.created_at }, o)),
    listPassages: async (agentId, q = {}) =>
      snake(await client.agents.passages.list(agentId, { search: q.search, limit: q.limit, after: q.after, ascending: q.ascending }, o)),
    searchPassages: async (agentId, q) =>
      snake(
        await client.agents.passages.search(
          agentId,
          { query: q.query, tags: q.tags, tagMatchMode: q.tag_match_mode, topK: q.top_k, startDatetime: q.start_datetime, endDatetime: q.end_datetime },
          o,
        ),
      ),
    deletePassage: (agentId, passageId) => client.agents.passages.delete(agentId, passageId, o),
    // Agent files: the upload is a File; options are form fields in 0.1.211.
    importAgentFile: async (bytes, p = {}) =>
      snake(
        await client.agents.importFile(
          new File([bytes], "agent.af", { type: "application/json" }),
          { appendCopySuffix: p.append_copy_suffix, overrideExistingTools: p.override_existing_tools, stripMessages: p.strip_messages, projectId: p.project_id },
          o,
        ),
      ),
    exportAgentFile: async (id, q = {}) => client.agents.exportFile(id, { useLegacyFormat: q.use_legacy_format }, o),
  };
}

/** A 1.12.1 client (Stainless). apiKey null sends no Authorization header. */
export function newSDK(baseURL, apiKey = null) {
  const client = new LettaNew({ baseURL, apiKey, maxRetries: 0, timeout: 120_000 });
  return {
    name: "1.x",
    raw: client,
    createAgent: (p) => client.agents.create(p),
    retrieveAgent: (id) => client.agents.retrieve(id),
    listAgents: (q = {}) => collect(client.agents.list(q)),
    updateAgent: (id, p) => client.agents.update(id, p),
    deleteAgent: (id) => client.agents.delete(id),
    listAgentBlocks: (id) => collect(client.agents.blocks.list(id)),
    retrieveAgentBlock: (id, label) => client.agents.blocks.retrieve(label, { agent_id: id }),
    attachBlock: (agentID, blockID) => client.agents.blocks.attach(blockID, { agent_id: agentID }),
    detachBlock: (agentID, blockID) => client.agents.blocks.detach(blockID, { agent_id: agentID }),
    sendMessage: (id, text) => client.agents.messages.create(id, { messages: [{ role: "user", content: text }] }),
    createTool: (p) => client.tools.create({ source_code: p.source_code, tags: p.tags }),
    listTools: (q = {}) => collect(client.tools.list({ name: q.name })),
    attachTool: (agentId, toolId) => client.agents.tools.attach(toolId, { agent_id: agentId }),
    deleteTool: (id) => client.tools.delete(id),
    listMessages: (id) => collect(client.agents.messages.list(id)),
    streamMessage: async (id, text, { streamTokens = false } = {}) => {
      const stream = await client.agents.messages.stream(id, {
        messages: [{ role: "user", content: text }],
        stream_tokens: streamTokens,
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    },
    createBlock: (p) => client.blocks.create(p),
    retrieveBlock: (id) => client.blocks.retrieve(id),
    listBlocks: (q = {}) => collect(client.blocks.list(q)),
    updateBlock: (id, p) => client.blocks.update(id, p),
    deleteBlock: (id) => client.blocks.delete(id),
    listBlockAgents: (id) => collect(client.blocks.agents.list(id)),
    listSteps: (q = {}) => collect(client.steps.list(q)),
    retrieveStep: (id) => client.steps.retrieve(id),
    listLLMs: () => client.models.list(),
    health: () => client.health(),
    createPassage: (agentId, p) => client.agents.passages.create(agentId, p),
    listPassages: (agentId, q = {}) => client.agents.passages.list(agentId, q),
    searchPassages: (agentId, q) => client.agents.passages.search(agentId, q),
    deletePassage: (agentId, passageId) => client.agents.passages.delete(passageId, { agent_id: agentId }),
    importAgentFile: (bytes, p = {}) =>
      client.agents.importFile({ file: new File([bytes], "agent.af", { type: "application/json" }), ...p }),
    exportAgentFile: (id, q = {}) => client.agents.exportFile(id, q),
    searchAllPassages: (q) => client.passages.search(q),
  };
}

/** Both generations, each as { name, make(baseURL, token) }. */
export const sdks = [
  { name: "0.1.x", make: oldSDK },
  { name: "1.x", make: newSDK },
];

/** The text of a message content: a string, or the joined text parts. */
export function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.filter((p) => p?.type === "text").map((p) => p.text).join("");
  return "";
}

/** The blocks of an agent as returned by either generation. */
export function agentBlocks(agent) {
  return agent.memory?.blocks ?? agent.blocks ?? [];
}
