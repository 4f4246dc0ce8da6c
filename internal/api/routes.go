package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// apiFunc is a handler that returns its error for writeError to answer.
type apiFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts an apiFunc to http.HandlerFunc.
func (s *server) handle(fn apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// routes registers every route, under /v1 and again under /latest (as the
// Python server mounts them). Paths work with and without a trailing slash.
func (s *server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.clientDeadlines, s.stripBasePath, withRequestID, s.observeRequests, s.logRequests, s.recoverPanics, s.cors, trimTrailingSlash, s.authenticate, s.rejectNUL)
	r.NotFound(s.handle(func(http.ResponseWriter, *http.Request) error {
		return errorf(http.StatusNotFound, "Not Found")
	}))
	r.MethodNotAllowed(s.handle(func(http.ResponseWriter, *http.Request) error {
		return errorf(http.StatusMethodNotAllowed, "Method Not Allowed")
	}))
	r.Route("/v1", s.apiRoutes)
	r.Route("/latest", s.apiRoutes)
	r.Get("/openapi.json", s.handle(s.openAPI))
	if s.cfg.Metrics != nil {
		r.Method(http.MethodGet, "/metrics", s.cfg.Metrics)
	}
	return r
}

// apiRoutes registers the API below its prefix.
func (s *server) apiRoutes(r chi.Router) {
	r.Get("/health", s.handle(s.health))
	r.Get("/ready", s.handle(s.ready))
	r.Get("/tags", s.handle(s.listTags))

	r.Route("/models", func(r chi.Router) {
		r.Get("/", s.handle(s.listModels))
		r.Get("/embedding", s.handle(s.listEmbeddingModels))
		r.Get("/embeddings", s.handle(s.listEmbeddingModels)) // 0.1.211 alias
	})

	r.Route("/agents", func(r chi.Router) {
		r.Get("/", s.handle(s.listAgents))
		r.Post("/", s.handle(s.createAgent))
		r.Get("/count", s.handle(s.countAgents))
		r.Post("/search", s.handle(s.searchAgents))
		r.Post("/messages/search", s.handle(s.searchAgentMessages))
		r.Post("/import", s.handle(s.importAgent))
		r.Route("/{agent_id}", func(r chi.Router) {
			r.Patch("/identities/attach/{identity_id}", s.handle(s.attachIdentityToAgent))
			r.Patch("/identities/detach/{identity_id}", s.handle(s.detachIdentityFromAgent))

			r.Get("/", s.handle(s.getAgent))
			r.Patch("/", s.handle(s.updateAgent))
			r.Delete("/", s.handle(s.deleteAgent))
			r.Get("/export", s.handle(s.exportAgent))
			r.Post("/export", s.handle(s.exportAgent))

			r.Get("/core-memory", s.handle(s.getCoreMemory))
			r.Get("/core-memory/blocks", s.handle(s.listAgentBlocks))
			r.Get("/core-memory/blocks/{block_label}", s.handle(s.getAgentBlock))
			r.Patch("/core-memory/blocks/{block_label}", s.handle(s.updateAgentBlock))
			r.Patch("/core-memory/blocks/attach/{block_id}", s.handle(s.attachBlock))
			r.Patch("/core-memory/blocks/detach/{block_id}", s.handle(s.detachBlock))

			r.Get("/tools", s.handle(s.listAgentTools))
			r.Patch("/tools/attach/{tool_id}", s.handle(s.attachTool))
			r.Patch("/tools/detach/{tool_id}", s.handle(s.detachTool))
			r.Patch("/tools/approval/{tool_name}", s.handle(s.setToolApproval))
			r.Post("/tools/{tool_name}/run", s.handle(s.runAgentTool))

			r.Get("/messages", s.handle(s.listMessages))
			r.Post("/messages", s.handle(s.sendMessage))
			r.Post("/messages/stream", s.handle(s.streamMessages))
			r.Post("/messages/async", s.handle(s.sendMessageAsync))
			r.Post("/messages/cancel", s.handle(s.cancelAgentRuns))
			r.Patch("/messages/{message_id}", s.handle(s.modifyMessage))
			r.Get("/context", s.handle(s.contextWindow))
			r.Patch("/reset-messages", s.handle(s.resetMessages))

			r.Get("/archival-memory", s.handle(s.listPassages))
			r.Post("/archival-memory", s.handle(s.createPassages))
			r.Get("/archival-memory/search", s.handle(s.searchAgentPassages))
			r.Patch("/archival-memory/{memory_id}", s.handle(s.updatePassage))
			r.Delete("/archival-memory/{memory_id}", s.handle(s.deletePassage))
		})
	})

	r.Post("/passages/search", s.handle(s.searchPassages))

	r.Route("/blocks", func(r chi.Router) {
		r.Get("/", s.handle(s.listBlocks))
		r.Post("/", s.handle(s.createBlock))
		r.Get("/count", s.handle(s.countBlocks))
		r.Route("/{block_id}", func(r chi.Router) {
			r.Get("/", s.handle(s.getBlock))
			r.Patch("/", s.handle(s.updateBlock))
			r.Delete("/", s.handle(s.deleteBlock))
			r.Get("/agents", s.handle(s.listBlockAgents))
			r.Patch("/identities/attach/{identity_id}", s.handle(s.attachIdentityToBlock))
			r.Patch("/identities/detach/{identity_id}", s.handle(s.detachIdentityFromBlock))
		})
	})

	r.Route("/identities", func(r chi.Router) {
		r.Get("/", s.handle(s.listIdentities))
		r.Post("/", s.handle(s.createIdentity))
		r.Put("/", s.handle(s.upsertIdentity))
		r.Get("/count", s.handle(s.countIdentities))
		r.Route("/{identity_id}", func(r chi.Router) {
			r.Get("/", s.handle(s.getIdentity))
			r.Patch("/", s.handle(s.updateIdentity))
			r.Delete("/", s.handle(s.deleteIdentity))
			r.Put("/properties", s.handle(s.upsertIdentityProperties))
			r.Get("/agents", s.handle(s.listIdentityAgents))
			r.Get("/blocks", s.handle(s.listIdentityBlocks))
		})
	})

	r.Route("/tools", func(r chi.Router) {
		r.Get("/", s.handle(s.listTools))
		r.Post("/", s.handle(s.createTool))
		r.Put("/", s.handle(s.upsertTool))
		r.Get("/count", s.handle(s.countTools))
		r.Post("/add-base-tools", s.handle(s.addBaseTools))
		r.Post("/run", s.handle(s.runToolFromSource))
		r.Get("/{tool_id}", s.handle(s.getTool))
		r.Patch("/{tool_id}", s.handle(s.updateTool))
		r.Delete("/{tool_id}", s.handle(s.deleteTool))
	})

	r.Route("/runs", func(r chi.Router) {
		r.Get("/", s.handle(s.listRuns))
		r.Get("/active", s.handle(s.listActiveRuns))
		r.Route("/{run_id}", func(r chi.Router) {
			r.Get("/", s.handle(s.getRun))
			r.Delete("/", s.handle(s.deleteRun))
			r.Post("/cancel", s.handle(s.cancelOneRun))
			r.Get("/messages", s.handle(s.listRunMessages))
			r.Get("/steps", s.handle(s.listRunSteps))
			r.Get("/usage", s.handle(s.getRunUsage))
			r.Post("/stream", s.handle(s.streamRun))
		})
	})

	r.Route("/jobs", func(r chi.Router) {
		r.Get("/", s.handle(s.listJobs))
		r.Get("/active", s.handle(s.listJobs))
		r.Route("/{job_id}", func(r chi.Router) {
			r.Get("/", s.handle(s.getJob))
			r.Delete("/", s.handle(s.deleteJob))
			r.Patch("/cancel", s.handle(s.cancelJob))
		})
	})

	r.Route("/messages", func(r chi.Router) {
		r.Get("/", s.handle(s.listAllMessages))
		r.Post("/search", s.handle(s.searchAllMessages))
		r.Get("/{message_id}", s.handle(s.retrieveMessage))
	})

	r.Route("/steps", func(r chi.Router) {
		r.Get("/", s.handle(s.listSteps))
		r.Get("/{step_id}", s.handle(s.getStep))
	})
}
