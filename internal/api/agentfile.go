package api

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/letta-server/letta-server/internal/agentfile"
	"github.com/letta-server/letta-server/internal/letta"
	"github.com/letta-server/letta-server/internal/store"
)

// Agent files (.af): POST /v1/agents/import and GET|POST /v1/agents/{id}/export.
//
// The export is the JSON object, or for the 0.1.x (Fern) SDKs the document
// as a JSON string: see fernClient.
//
// The import response is the first imported agent's AgentState with an
// added agent_ids list. Letta's servers answered 0.1.80-era clients
// (importAgentSerialized) with an AgentState and later ones (0.1.211's and
// 1.x's importFile) with ImportedAgentsResponse {agent_ids}; neither SDK
// rejects extra keys, so the one body satisfies every generation without
// guessing which one is asking.

// importResponse is an AgentState plus ImportedAgentsResponse's agent_ids.
type importResponse struct {
	*letta.Agent
	AgentIDs []string `json:"agent_ids"`
}

// importAgent answers POST /v1/agents/import: a multipart form with the file
// in the "file" part. Options come as form fields (0.1.211 and 1.x) or as
// query parameters (0.1.80).
func (s *server) importAgent(w http.ResponseWriter, r *http.Request) error {
	actor, err := actorID(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	raw, opts, err := readImportForm(r)
	if err != nil {
		return err
	}
	opts.ActorID = actor
	f, err := agentfile.Parse(raw)
	if err != nil {
		return importError(err)
	}
	cfg := agentfile.Config{Store: s.cfg.Store, Models: s.cfg.Models}
	if s.cfg.Engine != nil {
		cfg.EnsureBaseToolsFunc = s.cfg.Engine.EnsureBaseTools
		cfg.CheckSourceFunc = s.cfg.Engine.CheckToolSource
	}
	ids, err := agentfile.NewImporter(cfg).Import(r.Context(), f, opts)
	if err != nil {
		return importError(err)
	}
	a, err := s.cfg.Store.GetAgent(r.Context(), ids[0])
	if err != nil {
		return fmt.Errorf("load imported agent: %w", err)
	}
	a.Normalize()
	return writeJSON(w, http.StatusOK, importResponse{Agent: a, AgentIDs: ids})
}

// importError turns a file or option problem into a 422 naming it.
func importError(err error) error {
	var (
		fe *agentfile.FormatError
		oe *agentfile.OptionError
	)
	switch {
	case errors.As(err, &fe):
		loc := []any{"body", "file"}
		if fe.Path != "" {
			loc = append(loc, fe.Path)
		}
		return fieldErrors{{Loc: loc, Msg: fe.Error(), Type: "value_error"}}
	case errors.As(err, &oe):
		return fieldErrors{{Loc: []any{"body", oe.Option}, Msg: oe.Message, Type: "value_error"}}
	}
	return err
}

// readImportForm reads the uploaded file and the import options.
func readImportForm(r *http.Request) ([]byte, agentfile.ImportOptions, error) {
	var opts agentfile.ImportOptions
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var (
			maxErr  *http.MaxBytesError
			bodyErr *bodyError
		)
		if errors.As(err, &maxErr) || errors.As(err, &bodyErr) {
			return nil, opts, err // not the form's fault: the body's size or delivery
		}
		return nil, opts, fieldErrors{{Loc: []any{"body"}, Msg: "Expected a multipart/form-data body with the agent file in a \"file\" part: " + err.Error(), Type: "value_error"}}
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	raw, err := formFile(r, "file")
	if err != nil {
		return nil, opts, err
	}
	field := func(names ...string) string {
		for _, n := range names {
			if vs := r.MultipartForm.Value[n]; len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
				return strings.TrimSpace(vs[0])
			}
			if v := strings.TrimSpace(r.URL.Query().Get(n)); v != "" {
				return v
			}
		}
		return ""
	}
	var errs fieldErrors
	boolean := func(name string, def bool) bool {
		v := field(name)
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(strings.ToLower(v))
		if err != nil {
			errs.add("Input should be a valid boolean, unable to interpret input", "body", name)
			return def
		}
		return b
	}
	opts.AppendCopySuffix = boolean("append_copy_suffix", true)
	opts.OverrideExistingTools = boolean("override_existing_tools", true)
	opts.StripMessages = boolean("strip_messages", false)
	opts.Name = field("name", "override_name")
	opts.Model = field("model", "override_model_handle")
	opts.Embedding = cmp.Or(field("embedding", "override_embedding_handle"), strings.TrimSpace(r.Header.Get("X-Override-Embedding-Model")))
	opts.ProjectID = cmp.Or(field("project_id"), headerProject(r))
	for _, name := range []string{"env_vars_json", "secrets"} {
		v := field(name)
		if v == "" {
			continue
		}
		var env map[string]string
		if err := json.Unmarshal([]byte(v), &env); err != nil {
			errs.add("Input should be a JSON object of string values", "body", name)
			continue
		}
		if opts.EnvVars == nil {
			opts.EnvVars = map[string]string{}
		}
		for k, val := range env {
			opts.EnvVars[k] = val
		}
	}
	return raw, opts, errs.err()
}

// formFile reads the named file part whole.
func formFile(r *http.Request, name string) ([]byte, error) {
	part, _, err := r.FormFile(name)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, fieldErrors{{Loc: []any{"body", name}, Msg: "Field required", Type: "missing"}}
	}
	if err != nil {
		return nil, fmt.Errorf("open uploaded file: %w", err)
	}
	defer func(f multipart.File) { _ = f.Close() }(part)
	raw, err := io.ReadAll(part)
	if err != nil {
		return nil, fmt.Errorf("read uploaded file: %w", err)
	}
	return raw, nil
}

// exportRequest is the optional JSON body of POST /v1/agents/{id}/export.
type exportRequest struct {
	ScrubMessages  *bool   `json:"scrub_messages"`
	ConversationID *string `json:"conversation_id"`
}

// exportAgent answers GET and POST /v1/agents/{agent_id}/export: the agent
// file schema by default, the legacy single-agent schema with
// use_legacy_format=true; scrub_messages leaves the messages out. The
// deprecated max_steps is accepted and ignored: every message is exported.
func (s *server) exportAgent(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r.URL.Query())
	legacy := q.boolean("use_legacy_format", false)
	opts := agentfile.ExportOptions{ScrubMessages: q.boolean("scrub_messages", false), Version: s.cfg.Version}
	q.integer("max_steps", 0, 0)
	if err := q.err(); err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		var req exportRequest
		if err := s.decode(w, r, &req); err != nil {
			return err
		}
		if req.ScrubMessages != nil {
			opts.ScrubMessages = *req.ScrubMessages
		}
	}
	id := chi.URLParam(r, "agent_id")
	var (
		doc any
		err error
	)
	if legacy {
		doc, err = agentfile.ExportLegacy(r.Context(), s.cfg.Store, id, opts)
	} else {
		doc, err = agentfile.Export(r.Context(), s.cfg.Store, id, opts)
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound(err, "Agent", id)
	}
	if err != nil {
		return err
	}
	if !fernClient(r) {
		return writeJSON(w, http.StatusOK, doc)
	}
	text, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode agent file: %w", err)
	}
	return writeJSON(w, http.StatusOK, string(text))
}

// fernClient reports whether the request comes from a Fern-generated SDK
// (the 0.1.x TypeScript and Python clients). Their exportFile parses the
// body with a strict string schema, so they get the document as a JSON
// string, as Letta served it in their time (which is why some published
// agent files are a JSON string holding the document); everyone else gets
// the JSON object, as the Mar-2026 server sends it and 1.x reads it.
func fernClient(r *http.Request) bool {
	return r.Header.Get("X-Fern-Language") != "" || r.Header.Get("X-Fern-SDK-Name") != ""
}
