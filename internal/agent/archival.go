package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/memory"
	"github.com/letta-server/letta-server/internal/store"
)

// embedArchival embeds, before the step's transaction opens, the texts the
// step's archival calls will need (inserted content, search queries), so
// no transaction is held open during an embedding call. Failures are left
// for the tool to report: it embeds again and names the cause.
func (t *turn) embedArchival(ctx context.Context, calls []letta.ToolCall, allowed []string) map[string][]float32 {
	a := t.agent
	if a.EmbeddingConfig == nil {
		return nil
	}
	var texts []string
	for _, c := range calls {
		name := c.Function.Name
		if name != toolArchivalMemoryInsert && name != toolArchivalMemorySearch || !containsName(allowed, name) {
			continue
		}
		args := parseArguments(c.Function.Arguments)
		key := "content"
		if name == toolArchivalMemorySearch {
			key = "query"
		}
		if s, ok := stringArg(args, key); ok && strings.TrimSpace(s) != "" && !containsName(texts, s) {
			texts = append(texts, s)
		}
	}
	if len(texts) == 0 {
		return nil
	}
	vectors, err := memory.Embed(ctx, t.e.cfg.Models, a.EmbeddingConfig, texts)
	if err != nil {
		return nil
	}
	out := make(map[string][]float32, len(texts))
	for i, s := range texts {
		out[s] = vectors[i]
	}
	return out
}

// archivalMemoryInsert stores content (and tags) as one passage, as Letta
// 0.11.7+ does for the tool (no chunking), and returns None.
func archivalMemoryInsert(ctx context.Context, env toolEnv, args map[string]any) (toolResult, error) {
	content, ok := stringArg(args, "content")
	if !ok {
		return missingArg(toolArchivalMemoryInsert, "content"), nil
	}
	if strings.TrimSpace(content) == "" {
		return failed("Error executing function %s: ValueError: content must not be empty", toolArchivalMemoryInsert), nil
	}
	tags, err := stringListArg(args, "tags")
	if err != nil {
		return failed("Error executing function %s: %s", toolArchivalMemoryInsert, err.Error()), nil
	}
	p := memory.ArchivalInsertParams{Text: content, Tags: tags}
	if v, ok := env.vectors[content]; ok {
		p.Vectors = [][]float32{v}
	}
	_, err = memory.InsertArchival(ctx, env.tx, env.models, env.agent, p)
	var embErr *memory.EmbeddingError
	switch {
	case errors.As(err, &embErr):
		return failed("Error executing function %s: %s", toolArchivalMemoryInsert, embErr.Error()), nil
	case err != nil:
		return toolResult{}, err
	}
	return toolResult{ok: true}, nil
}

// archivalMemorySearch runs Letta 0.11.7+'s archival_memory_search(query,
// tags, tag_match_mode, top_k, start_datetime, end_datetime): hybrid search
// (full text alone without an embedding model), default top_k 5, results
// as the Python repr of a list of {id, timestamp, content, tags}, as Letta
// sends them. An empty query finds nothing ("[]").
func archivalMemorySearch(ctx context.Context, env toolEnv, args map[string]any) (toolResult, error) {
	query, ok := stringArg(args, "query")
	if !ok {
		return missingArg(toolArchivalMemorySearch, "query"), nil
	}
	tags, err := stringListArg(args, "tags")
	if err != nil {
		return failed("Error executing function %s: %s", toolArchivalMemorySearch, err.Error()), nil
	}
	p := memory.ArchivalSearchParams{Query: query, Tags: tags}
	switch mode, _ := stringArg(args, "tag_match_mode"); mode {
	case "", "any":
	case "all":
		p.MatchAllTags = true
	default:
		return failed("Error executing function %s: ValueError: tag_match_mode must be 'any' or 'all', not %s", toolArchivalMemorySearch, pyRepr(mode)), nil
	}
	topK, ok := intArg(args, "top_k", memory.DefaultArchivalSearchLimit)
	if !ok || topK < 0 {
		return failed("Error executing function %s: ValueError: top_k must be a positive integer", toolArchivalMemorySearch), nil
	}
	p.TopK = min(topK, 100)
	tz := letta.Deref(env.agent.Timezone)
	if p.Start, err = dateArg(args, "start_datetime", tz, false); err != nil {
		return failed("%s", err.Error()), nil
	}
	if p.End, err = dateArg(args, "end_datetime", tz, true); err != nil {
		return failed("%s", err.Error()), nil
	}
	if v, ok := env.vectors[query]; ok {
		p.QueryVector = v
	}
	hits, err := memory.SearchArchival(ctx, env.tx, env.models, env.agent, p)
	var embErr *memory.EmbeddingError
	switch {
	case errors.As(err, &embErr):
		return failed("Error executing function %s: %s", toolArchivalMemorySearch, embErr.Error()), nil
	case err != nil:
		return toolResult{}, err
	}
	return toolResult{ok: true, message: archivalResultsRepr(memory.ArchivalResults(hits, tz))}, nil
}

// archivalCount is the number the system prompt shows for archival memory.
func archivalCount(ctx context.Context, st store.Store, agentID string) (int, error) {
	n, err := st.CountPassages(ctx, agentID)
	if err != nil {
		return 0, fmt.Errorf("count passages: %w", err)
	}
	return n, nil
}

// stringListArg reads an optional list of strings.
func stringListArg(args map[string]any, name string) ([]string, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("TypeError: %s must be a list of strings", name)
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("TypeError: %s must be a list of strings", name)
		}
		out = append(out, s)
	}
	return out, nil
}

// archivalResultsRepr writes results as Python's repr of a list of dicts.
func archivalResultsRepr(results []memory.ArchivalResult) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, r := range results {
		if i > 0 {
			b.WriteString(", ")
		}
		tags := make([]string, len(r.Tags))
		for j, t := range r.Tags {
			tags[j] = pyRepr(t)
		}
		fmt.Fprintf(&b, "{'id': %s, 'timestamp': %s, 'content': %s, 'tags': [%s]}",
			pyRepr(r.ID), pyRepr(r.Timestamp), pyRepr(r.Content), strings.Join(tags, ", "))
	}
	b.WriteByte(']')
	return b.String()
}

// pyRepr is Python's repr of a str: single quotes unless the text has a
// single quote and no double quote, with backslash escapes.
func pyRepr(s string) string {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// archivalLine is the system prompt's line counting archival memories, or
// "" without one: a change of count alone rewrites the system message, as
// Letta rebuilds the prompt after an archival insert.
func archivalLine(prompt string) string {
	for _, line := range strings.Split(prompt, "\n") {
		if strings.Contains(line, "stored in archival memory") {
			return line
		}
	}
	return ""
}
