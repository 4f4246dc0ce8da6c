package agentfile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/letta-server/letta-server/internal/agent/pyschema"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/llm"
	"github.com/letta-server/letta-server/internal/memory"
	"github.com/letta-server/letta-server/internal/store"
)

// Config wires an Importer.
type Config struct {
	Store store.Store
	// Models resolves the model and embedding overrides; nil refuses them.
	Models *llm.Registry
	// EnsureBaseToolsFunc creates this server's built-in tools (the agent
	// engine's EnsureBaseTools), so a file's built-ins map to them by name.
	EnsureBaseToolsFunc func(ctx context.Context) error
	// CheckSourceFunc rejects a custom tool's source that is not valid
	// Python (the engine's CheckToolSource); nil checks nothing.
	CheckSourceFunc func(ctx context.Context, source string) error
}

// Importer writes agent files into the store.
type Importer struct {
	cfg Config
}

// NewImporter returns an Importer.
func NewImporter(cfg Config) *Importer { return &Importer{cfg: cfg} }

// ImportOptions are Letta's import options.
type ImportOptions struct {
	// Name replaces the first agent's name.
	Name string
	// AppendCopySuffix appends "_copy" to every agent's name (not to Name).
	AppendCopySuffix bool
	// OverrideExistingTools updates a custom tool that already exists under
	// the name from the file; otherwise the existing tool is kept. Built-in
	// tools are never changed.
	OverrideExistingTools bool
	// ProjectID, when set, replaces the agents' project.
	ProjectID string
	// StripMessages imports no messages: each agent starts from a freshly
	// compiled system message.
	StripMessages bool
	// EnvVars are added to (and override) the agents' tool execution
	// variables.
	EnvVars map[string]string
	// Model and Embedding are handles that replace the file's configs.
	Model, Embedding string
	// ActorID is recorded as the creator of what is imported.
	ActorID string
}

// OptionError is a bad import option (an unknown model handle, say).
type OptionError struct {
	Option  string
	Message string
}

func (e *OptionError) Error() string { return e.Option + ": " + e.Message }

// Import creates the file's agents with their blocks, tools and messages in
// one transaction and returns the new agent ids in file order. File ids
// are replaced by new ones throughout; the context window keeps its order
// and always starts with a system message. Nothing is written when any part
// fails: a file problem is a *FormatError, a bad option an *OptionError.
func (im *Importer) Import(ctx context.Context, f *File, opts ImportOptions) ([]string, error) {
	plans := make([]agentPlan, len(f.Agents))
	for i := range f.Agents {
		p, err := im.plan(&f.Agents[i], i, opts)
		if err != nil {
			return nil, err
		}
		plans[i] = p
	}
	if err := im.checkSources(ctx, f); err != nil {
		return nil, err
	}
	if im.cfg.EnsureBaseToolsFunc != nil {
		if err := im.cfg.EnsureBaseToolsFunc(ctx); err != nil {
			return nil, fmt.Errorf("ensure base tools: %w", err)
		}
	}
	now := letta.Now()
	var ids []string
	err := im.cfg.Store.InTx(ctx, func(tx store.Store) error {
		ids = nil
		w := &writer{tx: tx, file: f, opts: opts, now: now, tools: map[string]string{}, blocks: map[string]string{}}
		for i := range f.Agents {
			id, err := w.agent(ctx, &f.Agents[i], plans[i], i)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// agentPlan is what an agent gets beyond the file: resolved configs and name.
type agentPlan struct {
	name      string
	agentType letta.AgentType
	llm       letta.LLMConfig
	embedding *letta.EmbeddingConfig
}

// plan resolves the agent's name, type and model configs before anything
// is written.
func (im *Importer) plan(a *Agent, i int, opts ImportOptions) (agentPlan, error) {
	path := fmt.Sprintf("agents[%d]", i)
	p := agentPlan{name: strings.TrimSpace(a.Name), agentType: letta.AgentType(a.AgentType)}
	if p.agentType == "" {
		p.agentType = letta.AgentTypeLettaV1
	}
	switch {
	case i == 0 && opts.Name != "":
		p.name = opts.Name
	default:
		if p.name == "" {
			p.name = "imported_agent"
		}
		if opts.AppendCopySuffix {
			p.name += "_copy"
		}
	}
	var err error
	if p.llm, err = im.llmConfig(a, path, opts.Model); err != nil {
		return p, err
	}
	if p.embedding, err = im.embeddingConfig(a, opts.Embedding); err != nil {
		return p, err
	}
	return p, nil
}

// llmConfig is the file's llm_config, kept as written even when no enabled
// provider serves it (the agent needs one, or a model override, to run), or
// the config of the model override, which keeps the file's context window
// (when smaller), temperature and max_tokens.
func (im *Importer) llmConfig(a *Agent, path, override string) (letta.LLMConfig, error) {
	handle := override
	if handle == "" && a.LLMConfig == nil {
		handle = letta.Deref(a.Model)
	}
	if handle == "" {
		if a.LLMConfig == nil {
			return letta.LLMConfig{}, formatErr(path+".llm_config", "missing: the agent has no model; import it with a model override")
		}
		return *a.LLMConfig, nil
	}
	if im.cfg.Models == nil {
		return letta.LLMConfig{}, &OptionError{Option: "model", Message: "no model providers are configured"}
	}
	cfg, err := im.cfg.Models.ResolveLLM(handle)
	if err != nil {
		if errors.Is(err, llm.ErrUnknownModel) {
			return cfg, &OptionError{Option: "model", Message: err.Error()}
		}
		return cfg, fmt.Errorf("resolve model %s: %w", handle, err)
	}
	if from := a.LLMConfig; from != nil {
		if from.ContextWindow > 0 && (cfg.ContextWindow == 0 || from.ContextWindow < cfg.ContextWindow) {
			cfg.ContextWindow = from.ContextWindow
		}
		cfg.Temperature = from.Temperature
		cfg.MaxTokens = from.MaxTokens
	}
	return cfg, nil
}

// embeddingConfig is the override's config, else the file's (maybe none).
func (im *Importer) embeddingConfig(a *Agent, override string) (*letta.EmbeddingConfig, error) {
	if override == "" {
		return a.EmbeddingConfig, nil
	}
	if im.cfg.Models == nil {
		return nil, &OptionError{Option: "embedding", Message: "no model providers are configured"}
	}
	cfg, err := im.cfg.Models.ResolveEmbedding(override)
	if err != nil {
		if errors.Is(err, llm.ErrUnknownModel) {
			return nil, &OptionError{Option: "embedding", Message: err.Error()}
		}
		return nil, fmt.Errorf("resolve embedding %s: %w", override, err)
	}
	if cfg.EmbeddingChunkSize == nil {
		cfg.EmbeddingChunkSize = letta.Ptr(300)
	}
	return &cfg, nil
}

// writer does one import inside the transaction; tools and blocks map file
// ids to store ids, so that a block or tool shared by agents is written once.
type writer struct {
	tx     store.Store
	file   *File
	opts   ImportOptions
	now    time.Time
	tools  map[string]string
	blocks map[string]string
}

func (w *writer) actor() *string {
	if w.opts.ActorID == "" {
		return nil
	}
	return letta.Ptr(w.opts.ActorID)
}

// agent writes one agent with its links and messages.
func (w *writer) agent(ctx context.Context, fa *Agent, p agentPlan, i int) (string, error) {
	toolIDs := make([]string, 0, len(fa.ToolIDs))
	for _, fid := range fa.ToolIDs {
		id, err := w.tool(ctx, fid)
		if err != nil {
			return "", err
		}
		if !containsString(toolIDs, id) { // two file tools may share a name
			toolIDs = append(toolIDs, id)
		}
	}
	blockIDs := make([]string, 0, len(fa.BlockIDs))
	for _, fid := range fa.BlockIDs {
		id, err := w.block(ctx, fid)
		if err != nil {
			return "", err
		}
		blockIDs = append(blockIDs, id)
	}
	a := w.newAgent(fa, p)
	if _, err := w.tx.CreateAgent(ctx, store.CreateAgentParams{Agent: *a, BlockIDs: blockIDs, ToolIDs: toolIDs, Tags: a.Tags}); err != nil {
		return "", fmt.Errorf("create agent %d: %w", i, err)
	}
	stored, err := w.tx.GetAgent(ctx, a.ID)
	if err != nil {
		return "", fmt.Errorf("load imported agent: %w", err)
	}
	if err := w.messages(ctx, fa, stored); err != nil {
		return "", err
	}
	return a.ID, nil
}

// newAgent builds the agent row from the file.
func (w *writer) newAgent(fa *Agent, p agentPlan) *letta.Agent {
	a := &letta.Agent{
		ID:                         letta.NewID(letta.PrefixAgent),
		Name:                       p.name,
		AgentType:                  p.agentType,
		System:                     letta.Deref(fa.System),
		Description:                fa.Description,
		Metadata:                   fa.Metadata,
		LLMConfig:                  p.llm,
		EmbeddingConfig:            p.embedding,
		ToolRules:                  fa.ToolRules,
		Tags:                       dedupe(fa.Tags),
		MessageBufferAutoclear:     fa.MessageBufferAutoclear,
		EnableSleeptime:            fa.EnableSleeptime,
		ProjectID:                  fa.ProjectID,
		TemplateID:                 fa.TemplateID,
		BaseTemplateID:             fa.BaseTemplateID,
		ResponseFormat:             fa.ResponseFormat,
		Timezone:                   fa.Timezone,
		MaxFilesOpen:               fa.MaxFilesOpen,
		PerFileViewWindowCharLimit: fa.PerFileViewWindowCharLimit,
		Hidden:                     fa.Hidden,
		ModelSettings:              fa.ModelSettings,
		CompactionSettings:         fa.CompactionSettings,
		CreatedByID:                w.actor(),
		LastUpdatedByID:            w.actor(),
		CreatedAt:                  w.now,
		UpdatedAt:                  w.now,
	}
	if a.Metadata == nil {
		a.Metadata = map[string]any{}
	}
	if a.ToolRules == nil {
		a.ToolRules = []letta.ToolRule{}
	}
	if a.Timezone == nil {
		a.Timezone = letta.Ptr("UTC")
	}
	if w.opts.ProjectID != "" {
		a.ProjectID = letta.Ptr(w.opts.ProjectID)
	}
	env := map[string]string{}
	for k, v := range fa.ToolExecEnvVars {
		env[k] = v
	}
	for k, v := range fa.Secrets {
		env[k] = v
	}
	for k, v := range w.opts.EnvVars {
		env[k] = v
	}
	for _, k := range sortedKeys(env) {
		a.ToolExecEnvVars = append(a.ToolExecEnvVars, letta.EnvVar{ID: letta.NewID("agent-env"), Key: k, Value: env[k], AgentID: a.ID})
	}
	return a
}

// block creates the file block fid once and returns its new id.
func (w *writer) block(ctx context.Context, fid string) (string, error) {
	if id, ok := w.blocks[fid]; ok {
		return id, nil
	}
	fb := w.findBlock(fid)
	b := &letta.Block{
		ID:                  letta.NewID(letta.PrefixBlock),
		Label:               fb.Label,
		Value:               fb.Value,
		Limit:               blockLimit(fb),
		Description:         fb.Description,
		Metadata:            fb.Metadata,
		IsTemplate:          fb.IsTemplate,
		TemplateName:        fb.TemplateName,
		Name:                fb.TemplateName,
		ReadOnly:            fb.ReadOnly,
		Hidden:              fb.Hidden,
		PreserveOnMigration: fb.PreserveOnMigration,
		ProjectID:           fb.ProjectID,
		TemplateID:          fb.TemplateID,
		BaseTemplateID:      fb.BaseTemplateID,
		DeploymentID:        fb.DeploymentID,
		EntityID:            fb.EntityID,
		Tags:                fb.Tags,
		CreatedByID:         w.actor(),
		LastUpdatedByID:     w.actor(),
		CreatedAt:           w.now,
		UpdatedAt:           w.now,
	}
	if b.Metadata == nil {
		b.Metadata = map[string]any{}
	}
	if b.Tags == nil {
		b.Tags = []string{}
	}
	if w.opts.ProjectID != "" {
		b.ProjectID = letta.Ptr(w.opts.ProjectID)
	}
	if err := w.tx.CreateBlock(ctx, b); err != nil {
		return "", fmt.Errorf("create block %s: %w", b.Label, err)
	}
	w.blocks[fid] = b.ID
	return b.ID, nil
}

func (w *writer) findBlock(fid string) *Block {
	for i := range w.file.Blocks {
		if w.file.Blocks[i].ID == fid {
			return &w.file.Blocks[i]
		}
	}
	panic("agentfile: block " + fid + " passed validation but is missing") // validate checked it
}

func (w *writer) findTool(fid string) *Tool {
	for i := range w.file.Tools {
		if w.file.Tools[i].ID == fid {
			return &w.file.Tools[i]
		}
	}
	panic("agentfile: tool " + fid + " passed validation but is missing") // validate checked it
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// dedupe drops repeated strings, keeping the first of each.
func dedupe(list []string) []string {
	out := []string{}
	for _, s := range list {
		if !containsString(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// compileSystem renders a fresh system message for an agent whose file
// window does not start with one.
func compileSystem(a *letta.Agent, previous int, now time.Time) *letta.Message {
	text := memory.Compile(memory.CompileParams{
		System:           a.System,
		AgentType:        a.AgentType,
		AgentID:          a.ID,
		Blocks:           a.Blocks,
		ToolRules:        a.ToolRules,
		RecompiledAt:     now,
		Timezone:         letta.Deref(a.Timezone),
		PreviousMessages: previous,
	})
	return &letta.Message{
		ID:        letta.NewID(letta.PrefixMessage),
		AgentID:   a.ID,
		Role:      letta.RoleSystem,
		Content:   []letta.Content{{Type: letta.ContentText, Text: text}},
		Model:     letta.Ptr(a.LLMConfig.Model),
		CreatedAt: now,
	}
}

// checkSources refuses, before anything is written, a custom tool whose
// source is not valid Python: importing it would replace a working tool
// (override_existing_tools) or add one that can never run.
func (im *Importer) checkSources(ctx context.Context, f *File) error {
	if im.cfg.CheckSourceFunc == nil {
		return nil
	}
	for i := range f.Tools {
		t := &f.Tools[i]
		if !isCustom(t) || t.SourceCode == nil || *t.SourceCode == "" {
			continue
		}
		if err := im.cfg.CheckSourceFunc(ctx, *t.SourceCode); err != nil {
			var se *pyschema.SourceError
			if errors.As(err, &se) {
				return &FormatError{Path: fmt.Sprintf("tools[%d].source_code", i), Message: fmt.Sprintf("tool %q: %s", t.Name, se.Message)}
			}
			return fmt.Errorf("check source of tool %s: %w", t.Name, err)
		}
	}
	return nil
}
