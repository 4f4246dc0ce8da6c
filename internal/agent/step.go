package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/store"
)

// step makes one model call, runs the tool call(s) and persists everything
// the step produced in one transaction. It returns the stop reason, or ""
// to continue.
func (t *turn) step(ctx context.Context, n int, last bool) (string, error) {
	a := t.agent
	cfg := a.LLMConfig
	heartbeats := usesHeartbeats(a.AgentType)
	stepID := letta.NewID(letta.PrefixStep)
	assistantID := letta.NewID(letta.PrefixMessage)
	stepStart := time.Now()

	available := make([]string, 0, len(a.Tools))
	for _, tool := range a.Tools {
		available = append(available, tool.Name)
	}
	allowed := t.solver.allowed(available)
	req := llm.ChatRequest{
		Model:    cfg.Model,
		Messages: toLLMMessages(append(slices.Clone(t.context), t.pending...)),
		Tools:    toolSchemas(a.Tools, allowed, heartbeats, &t.solver),
	}
	if len(req.Tools) > 0 {
		req.ToolChoice = t.toolChoice(heartbeats, req.Tools)
		if heartbeats {
			req.ParallelToolCalls = letta.Ptr(false)
		} else {
			req.ParallelToolCalls = cfg.ParallelToolCalls
		}
	}
	if cfg.Temperature != 0 {
		req.Temperature = letta.Ptr(cfg.Temperature)
	}
	req.MaxTokens = letta.Deref(cfg.MaxTokens)
	req.ReasoningEffort = letta.Deref(cfg.ReasoningEffort)

	streamed := map[string]bool{}
	call := func() (*llm.ChatResponse, error) {
		callCtx, cancel := context.WithTimeout(ctx, llmCallTimeout)
		defer cancel()
		if t.p.StreamTokens {
			return t.client.ChatStream(callCtx, req, t.deltaSink(assistantID, stepID, heartbeats, streamed))
		}
		return t.client.Chat(callCtx, req)
	}
	llmStart := time.Now()
	resp, err := call()
	if isContextOverflow(err) {
		// The prompt no longer fits: compact, then try once more.
		if ok, cerr := t.compact(ctx); cerr != nil {
			t.e.cfg.Logger.WarnContext(ctx, "compact after context overflow", "agent_id", a.ID, "error", cerr)
		} else if ok {
			req.Messages = toLLMMessages(append(slices.Clone(t.context), t.pending...))
			resp, err = call()
		}
	}
	llmNs := time.Since(llmStart).Nanoseconds()
	if err != nil {
		return "", t.failStep(ctx, stepID, err)
	}
	t.addUsage(resp.Usage)
	t.lastUsage = resp.Usage

	now := letta.Now()
	am := &letta.Message{
		ID: assistantID, AgentID: a.ID, Role: letta.RoleAssistant, StepID: &stepID,
		Model: letta.Ptr(cfg.Model), Content: []letta.Content{}, CreatedAt: now,
	}
	if resp.Reasoning != "" {
		rc := letta.Content{Type: letta.ContentReasoning, IsNative: true, Reasoning: resp.Reasoning}
		if resp.ReasoningSignature != "" {
			rc.Signature = letta.Ptr(resp.ReasoningSignature)
		}
		am.Content = append(am.Content, rc)
	}
	if resp.Content != "" {
		am.Content = append(am.Content, letta.Content{Type: letta.ContentText, Text: resp.Content})
	}
	calls := resp.ToolCalls
	if heartbeats && len(calls) > 1 {
		calls = calls[:1] // memgpt loops run only the first call
	}
	for _, c := range calls {
		id := c.ID
		if id == "" {
			id = newToolCallID()
		}
		am.ToolCalls = append(am.ToolCalls, letta.ToolCall{ID: id, Type: "function", Function: letta.ToolCallFunction{Name: c.Name, Arguments: c.Arguments}})
	}

	var stop string
	var produced []*letta.Message
	toolStart := time.Now()
	var toolNs int64
	pause := t.needsApproval(am.ToolCalls, allowed)
	var ran map[string]toolResult
	var vectors map[string][]float32
	if !pause {
		ran = t.prerun(ctx, am.ToolCalls, allowed) // sandboxed tools run outside the transaction
		vectors = t.embedArchival(ctx, am.ToolCalls, allowed)
	}
	saved := 0
	err = t.e.cfg.Store.InTx(ctx, func(tx store.Store) error {
		produced = produced[:0]
		stop = ""
		env := toolEnv{tx: tx, agent: a, now: now, ran: ran, models: t.e.cfg.Models, vectors: vectors}
		switch {
		case pause:
			am.Role = letta.RoleApproval // waits for the client; nothing runs
			produced = append(produced, am)
			stop = letta.StopRequiresApproval
		case len(am.ToolCalls) == 0 && len(am.Content) == 0 && !heartbeats:
			stop = letta.StopEndTurn // an empty reply: nothing to keep
		case len(am.ToolCalls) == 0:
			produced = append(produced, am)
			stop = letta.StopEndTurn
			if heartbeats {
				stop = letta.StopNoToolCall
			} else if resp.FinishReason == llm.FinishLength {
				stop = letta.StopMaxTokensExceeded
			}
		default:
			produced = append(produced, am)
			var err error
			stop, err = t.runCalls(ctx, env, am, allowed, available, heartbeats, last, &produced)
			if err != nil {
				return err
			}
		}
		toolNs = time.Since(toolStart).Nanoseconds()
		newMsgs := append(slices.Clone(t.pending), produced...)
		saved = len(newMsgs)
		for _, m := range newMsgs {
			m.StepID, m.RunID = &stepID, t.runID()
		}
		if len(newMsgs) > 0 {
			if err := tx.CreateMessages(ctx, newMsgs); err != nil {
				return fmt.Errorf("save step messages: %w", err)
			}
		}
		st := t.stepRow(stepID, resp.Usage, letta.StepSuccess, stop, stepStart, now)
		st.LLMRequestNs, st.ToolExecutionNs = &llmNs, &toolNs
		if err := tx.CreateStep(ctx, st); err != nil {
			return fmt.Errorf("save step: %w", err)
		}
		return t.saveContext(ctx, tx, newMsgs, stop)
	})
	if err != nil {
		return "", fmt.Errorf("agent %s step %d: %w", a.ID, n, err)
	}
	t.countSaved(saved, am.ToolCalls, pause)
	t.context = append(append(t.context, t.pending...), produced...)
	t.pending = nil
	t.resp.Usage.StepCount++
	t.emit(produced, func(lm letta.LettaMessage) bool {
		return lm.ID == assistantID && streamed[lm.MessageType]
	})
	return stop, nil
}

// countSaved keeps the turn's message and passage counts up to date after
// a step saved n messages: a step that ran a tool that may store messages
// or passages itself makes them count again at the next refresh.
func (t *turn) countSaved(n int, calls []letta.ToolCall, paused bool) {
	t.counts.messages += n
	if paused {
		return // nothing ran
	}
	for _, c := range calls {
		tool := findTool(t.agent, c.Function.Name)
		if tool == nil {
			continue // not run: a rule violation
		}
		if !countNeutral[tool.Name] || tool.ToolType == letta.ToolTypeCustom {
			t.counts.known = false
			return
		}
	}
}

// countNeutral are the built-in tools that store neither messages nor
// passages of their own.
var countNeutral = map[string]bool{
	toolSendMessage:          true,
	toolConversationSearch:   true,
	toolCoreMemoryAppend:     true,
	toolCoreMemoryReplace:    true,
	toolMemoryInsert:         true,
	toolMemoryReplace:        true,
	toolMemoryRethink:        true,
	toolMemoryFinishEdits:    true,
	toolArchivalMemorySearch: true,
}

// saveContext sets the agent's message_ids to the turn's context plus
// newMsgs. With message_buffer_autoclear they stay [system] (every message
// is still stored), except while a call awaits approval: the interrupted
// turn must be there to resume.
func (t *turn) saveContext(ctx context.Context, tx store.Store, newMsgs []*letta.Message, stop string) error {
	all := append(slices.Clone(t.context), newMsgs...)
	if t.agent.MessageBufferAutoclear && stop != letta.StopRequiresApproval {
		all = all[:1]
	}
	ids := make([]string, 0, len(all))
	for _, m := range all {
		ids = append(ids, m.ID)
	}
	if err := tx.SetAgentMessageIDs(ctx, t.agent.ID, ids); err != nil {
		return fmt.Errorf("save context: %w", err)
	}
	t.agent.MessageIDs = ids
	if t.systemChanged {
		if err := tx.UpdateMessage(ctx, t.context[0]); err != nil {
			return fmt.Errorf("update system message: %w", err)
		}
		t.systemChanged = false
	}
	return nil
}

func (t *turn) toolChoice(heartbeats bool, tools []llm.Tool) string {
	if heartbeats || t.solver.constrained() {
		if len(tools) == 1 {
			return tools[0].Name
		}
		return llm.ToolChoiceRequired
	}
	return llm.ToolChoiceAuto
}

// runCalls executes the assistant message's tool calls, appends their tool
// messages (and a heartbeat for memgpt agents that continue) to produced,
// and decides whether the turn goes on.
func (t *turn) runCalls(ctx context.Context, env toolEnv, am *letta.Message, allowed, available []string, heartbeats, last bool, produced *[]*letta.Message) (string, error) {
	a := t.agent
	stop := ""
	cont, reason := false, reasonHeartbeat
	for i := range am.ToolCalls {
		call := &am.ToolCalls[i]
		name := call.Function.Name
		args := parseArguments(call.Function.Arguments)
		requested := popHeartbeat(args)

		var res toolResult
		var tool *letta.Tool
		for j := range a.Tools {
			if a.Tools[j].Name == name {
				tool = &a.Tools[j]
			}
		}
		violation := tool == nil || !slices.Contains(allowed, name)
		denial, denied := t.denied[call.ID]
		if denied {
			res = failed("%s", denial)
		} else if violation {
			res = failed("[ToolConstraintError] Cannot call %s, valid tools include: %s.", name, pyList(allowed))
		} else if r, ok := t.clientReturns[call.ID]; ok {
			res = r // run by the client
		} else if r, ok := env.ran[call.ID]; ok {
			res = r // run in the sandbox before the transaction
		} else {
			var err error
			if res, err = runTool(ctx, env, tool, args); err != nil {
				return "", fmt.Errorf("run tool %s: %w", name, err)
			}
		}
		text := resultText(res.message)
		limit := letta.DefaultReturnCharLimit
		if tool != nil && tool.ReturnCharLimit > 0 {
			limit = tool.ReturnCharLimit
		}
		if name != toolConversationSearch && name != toolArchivalMemorySearch {
			if s, ok := res.message.(string); ok {
				res.message = truncateReturn(s, limit)
			}
		}
		tz := letta.Deref(a.Timezone)
		status := returnSuccess
		if !res.ok {
			status = returnError
		}
		tm := &letta.Message{
			ID: letta.NewID(letta.PrefixMessage), AgentID: a.ID, Role: letta.RoleTool,
			Content:     []letta.Content{{Type: letta.ContentText, Text: packageToolReturn(res.ok, res.message, env.now, tz)}},
			Name:        letta.Ptr(name),
			ToolCallID:  letta.Ptr(call.ID),
			ToolReturns: []letta.ToolReturn{{ToolCallID: call.ID, Status: status, Stdout: orNone(res.stdout), Stderr: orNone(res.stderr)}},
			Model:       am.Model,
			CreatedAt:   env.now,
		}
		*produced = append(*produced, tm)

		if !heartbeats { // letta_v1: every tool call continues unless a rule ends it
			if !violation && !denied {
				t.solver.register(name, text)
				if t.solver.isTerminal(name) {
					stop = letta.StopToolRule
				}
			}
			continue
		}
		cont = requested
		switch {
		case denied:
			cont, reason = true, reasonDenied
		case violation:
			cont, reason = true, reasonRuleViolation
		default:
			t.solver.register(name, text)
			switch {
			case t.solver.isTerminal(name):
				cont = false
				stop = letta.StopEndTurn
				if requested {
					stop = letta.StopToolRule
				}
			case t.solver.hasChildRule(name):
				cont, reason = true, reasonChildRule
			case t.solver.isContinue(name):
				cont, reason = true, reasonContinueRule
			}
		}
		if cont && reason == reasonHeartbeat && !res.ok {
			reason = reasonFailed
		}
		offered := tool != nil && !t.solver.isTerminal(name)
		if offered || strings.Contains(call.Function.Arguments, "request_heartbeat") {
			call.Function.Arguments = setArgument(call.Function.Arguments, "request_heartbeat", cont)
		}
	}
	if !heartbeats {
		if stop != "" {
			return stop, nil
		}
		if last {
			return letta.StopMaxSteps, nil
		}
		return "", nil
	}
	if !cont {
		if req := t.solver.uncalledRequired(available); len(req) > 0 {
			cont, reason = true, fmt.Sprintf(reasonRequiredBefore, strings.Join(req, ", "))
		}
	}
	if cont && last {
		return letta.StopMaxSteps, nil
	}
	if !cont {
		if stop == "" {
			stop = letta.StopEndTurn
		}
		return stop, nil
	}
	hb := &letta.Message{
		ID: letta.NewID(letta.PrefixMessage), AgentID: a.ID, Role: letta.RoleUser,
		Content:   []letta.Content{{Type: letta.ContentText, Text: heartbeatText(reason, env.now, letta.Deref(a.Timezone))}},
		CreatedAt: env.now,
	}
	*produced = append(*produced, hb)
	return "", nil
}

// resultText is a tool result as the rules see it (the inner message).
func resultText(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (t *turn) addUsage(u llm.Usage) {
	us := &t.resp.Usage
	us.PromptTokens += u.PromptTokens
	us.CompletionTokens += u.CompletionTokens
	us.TotalTokens += u.TotalTokens
	if u.ReasoningTokens > 0 {
		us.ReasoningTokens = letta.Ptr(letta.Deref(us.ReasoningTokens) + u.ReasoningTokens)
	}
	if u.CachedInputTokens > 0 {
		us.CachedInputTokens = letta.Ptr(letta.Deref(us.CachedInputTokens) + u.CachedInputTokens)
	}
	us.ContextTokens = letta.Ptr(u.TotalTokens)
}

func (t *turn) stepRow(id string, u llm.Usage, status, stop string, start time.Time, now time.Time) *letta.Step {
	cfg := t.agent.LLMConfig
	provider := letta.Deref(cfg.ProviderName)
	if provider == "" {
		provider = cfg.ModelEndpointType
	}
	st := &letta.Step{
		ID: id, AgentID: t.agent.ID,
		ProviderName: letta.Ptr(provider), ProviderCategory: cfg.ProviderCategory,
		Model: letta.Ptr(cfg.Model), ModelHandle: cfg.Handle, ModelEndpoint: cfg.ModelEndpoint,
		ContextWindowLimit: letta.Ptr(cfg.ContextWindow),
		PromptTokens:       u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens,
		Tags: []string{}, Messages: []any{}, Status: status, ProjectID: t.agent.ProjectID, RunID: t.runID(),
		CreatedAt: now, UpdatedAt: now,
	}
	if u.ReasoningTokens > 0 {
		st.ReasoningTokens = letta.Ptr(u.ReasoningTokens)
	}
	if u.CachedInputTokens > 0 {
		st.CachedInputTokens = letta.Ptr(u.CachedInputTokens)
	}
	if stop != "" {
		st.StopReason = letta.Ptr(stop)
	}
	ns := time.Since(start).Nanoseconds()
	st.StepNs = &ns
	t.e.observeStep(st)
	return st
}

// failStep ends the turn after a failed model call: the step is recorded as
// failed and the input messages of a first step are kept with is_err=true,
// outside the context, so the agent's history stays clean.
func (t *turn) failStep(ctx context.Context, stepID string, cause error) error {
	stop := letta.StopError
	var apiErr *llm.APIError
	switch {
	case errors.Is(cause, context.Canceled) && ctx.Err() != nil:
		stop = letta.StopCancelled
	case errors.As(cause, &apiErr):
		stop = letta.StopLLMAPIError
	}
	saveCtx := context.WithoutCancel(ctx)
	now := letta.Now()
	err := t.e.cfg.Store.InTx(saveCtx, func(tx store.Store) error {
		if len(t.pending) > 0 {
			for _, m := range t.pending {
				m.IsErr, m.StepID, m.RunID = true, &stepID, t.runID()
			}
			if err := tx.CreateMessages(saveCtx, t.pending); err != nil {
				return fmt.Errorf("save failed input: %w", err)
			}
		}
		st := t.stepRow(stepID, llm.Usage{}, letta.StepFailed, stop, now, now)
		if stop == letta.StopCancelled {
			st.Status = letta.StepCancelled
		}
		st.ErrorType = letta.Ptr(errorType(cause))
		st.ErrorData = map[string]any{"message": cause.Error()}
		return tx.CreateStep(saveCtx, st)
	})
	t.pending = nil
	if err != nil {
		t.e.cfg.Logger.ErrorContext(ctx, "save failed agent step", "agent_id", t.agent.ID, "step_id", stepID, "error", err)
	}
	t.e.cfg.Logger.WarnContext(ctx, "agent step failed", "agent_id", t.agent.ID, "step_id", stepID, "stop_reason", stop, "error", cause)
	return &TurnError{StopReason: stop, Err: cause}
}

func errorType(err error) string {
	var apiErr *llm.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "error"
}

// deltaSink forwards streamed tokens to the sink as partial messages that
// share the assistant message's id and carry the run id. The reply tool's
// reply argument streams as assistant_message deltas (its decoded text as
// it grows); other calls stream as tool_call_message deltas, except calls
// to tools that need approval, whose approval_request_message is sent
// whole once the step is saved.
func (t *turn) deltaSink(assistantID, stepID string, heartbeats bool, streamed map[string]bool) func(llm.Delta) error {
	names := map[int]string{}
	ids := map[int]string{}
	replies := map[int]*kwargStream{}
	replyTool := t.opts.AssistantMessageToolName
	if replyTool == "" {
		replyTool = letta.DefaultAssistantMessageToolName
	}
	replyKwarg := t.opts.AssistantMessageToolKwarg
	if replyKwarg == "" {
		replyKwarg = letta.DefaultAssistantMessageToolKwarg
	}
	order := map[string]int{} // item index per type, as the final render numbers them
	chunk := func(typ string) letta.LettaMessage {
		index, ok := order[typ]
		if !ok {
			index = len(order)
			order[typ] = index
		}
		return letta.LettaMessage{
			ID: assistantID, Date: letta.MessageDate(letta.Now()), MessageType: typ,
			Otid: letta.DeriveOtid(assistantID, index), StepID: &stepID, RunID: t.runID(),
		}
	}
	needsApproval := func(name string) bool {
		tool := findTool(t.agent, name)
		return tool != nil && t.solver.requiresApproval(tool)
	}
	return func(d llm.Delta) error {
		if d.Reasoning != "" {
			c := chunk(letta.MsgReasoning)
			c.Reasoning, c.Source = d.Reasoning, "reasoner_model"
			streamed[letta.MsgReasoning] = true
			t.send(c)
		}
		if d.Content != "" {
			if heartbeats { // text beside a tool call is inner thoughts
				c := chunk(letta.MsgReasoning)
				c.Reasoning, c.Source = d.Content, "non_reasoner_model"
				streamed[letta.MsgReasoning] = true
				t.send(c)
			} else {
				c := chunk(letta.MsgAssistant)
				c.Content = d.Content
				streamed[letta.MsgAssistant] = true
				t.send(c)
			}
		}
		if d.ToolName != "" {
			names[d.ToolCallIndex] = d.ToolName
		}
		if d.ToolCallID != "" {
			ids[d.ToolCallIndex] = d.ToolCallID
		}
		name := names[d.ToolCallIndex]
		switch {
		case d.ToolName == "" && d.ToolArguments == "":
		case t.opts.UseAssistantMessage && name == replyTool:
			k := replies[d.ToolCallIndex]
			if k == nil {
				k = &kwargStream{key: replyKwarg}
				replies[d.ToolCallIndex] = k
			}
			if text := k.add(d.ToolArguments); text != "" {
				c := chunk(letta.MsgAssistant)
				c.Content = text
				streamed[letta.MsgAssistant] = true
				t.send(c)
			}
		case needsApproval(name):
			// sent whole as an approval_request_message after the step
		default:
			c := chunk(letta.MsgToolCall)
			call := letta.LettaToolCall{Arguments: letta.Ptr(d.ToolArguments)}
			if d.ToolName != "" {
				call.Name = letta.Ptr(d.ToolName)
			}
			if id := ids[d.ToolCallIndex]; id != "" {
				call.ToolCallID = letta.Ptr(id)
			}
			c.ToolCall, c.ToolCalls = &call, []letta.LettaToolCall{call}
			streamed[letta.MsgToolCall] = true
			t.send(c)
		}
		return nil
	}
}
