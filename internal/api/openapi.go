package api

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
)

// lettaOpenAPI is Letta's OpenAPI document (see openapi/README.md).
//
//go:embed openapi/letta-2026-03-26.json.gz
var lettaOpenAPI embed.FS

const lettaOpenAPIFile = "openapi/letta-2026-03-26.json.gz"

// openAPIDoc is the trimmed document, built once from the route table.
type openAPIDoc struct {
	once sync.Once
	doc  map[string]any
	err  error
}

// openAPI answers GET /openapi.json: Letta's document trimmed to the
// routes this server registers, with a server URL that includes the path
// prefix the client reached us under. It needs no password, like Letta's.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) error {
	rctx := chi.RouteContext(r.Context())
	if rctx == nil || rctx.Routes == nil {
		return fmt.Errorf("openapi: no route table in context")
	}
	s.openapi.once.Do(func() {
		s.openapi.doc, s.openapi.err = trimOpenAPI(rctx.Routes)
	})
	if s.openapi.err != nil {
		return s.openapi.err
	}
	doc := maps.Clone(s.openapi.doc)
	doc["servers"] = []map[string]string{{"url": s.externalBasePath(r) + "/", "description": "This server"}}
	return writeJSON(w, http.StatusOK, doc)
}

// loadLettaOpenAPI decodes the embedded document.
func loadLettaOpenAPI() (map[string]any, error) {
	gz, err := lettaOpenAPI.ReadFile(lettaOpenAPIFile)
	if err != nil {
		return nil, fmt.Errorf("read embedded openapi: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("unzip embedded openapi: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("unzip embedded openapi: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode embedded openapi: %w", err)
	}
	return doc, nil
}

// httpMethods are the operation keys of an OpenAPI path item.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// pathParam matches one {name} path segment.
var pathParam = regexp.MustCompile(`\{[^}/]*\}`)

// routeKey normalises a path for matching Letta's paths to chi patterns:
// parameters lose their names and the trailing slash goes.
func routeKey(method, path string) string {
	path = pathParam.ReplaceAllString(path, "{}")
	path = strings.TrimSuffix(path, "/")
	return strings.ToLower(method) + " " + path
}

// trimOpenAPI keeps the /v1 operations of Letta's document that routes
// serves, and the components they reference.
func trimOpenAPI(routes chi.Routes) (map[string]any, error) {
	src, err := loadLettaOpenAPI()
	if err != nil {
		return nil, err
	}
	served := map[string]bool{}
	err = chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served[routeKey(method, route)] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk routes: %w", err)
	}

	srcPaths, _ := src["paths"].(map[string]any)
	paths := map[string]any{}
	for path, v := range srcPaths {
		item, ok := v.(map[string]any)
		if !ok || !strings.HasPrefix(path, "/v1/") {
			continue
		}
		kept := map[string]any{}
		for key, op := range item {
			isMethod := false
			for _, m := range httpMethods {
				if key == m {
					isMethod = true
				}
			}
			if !isMethod {
				kept[key] = op // parameters, summary: shared by the operations
				continue
			}
			if served[routeKey(key, path)] {
				kept[key] = op
			}
		}
		if len(kept) > len(item)-countMethods(item) { // at least one operation
			paths[path] = kept
		}
	}

	doc := map[string]any{}
	for k, v := range src {
		if k != "paths" && k != "components" {
			doc[k] = v
		}
	}
	if info, ok := src["info"].(map[string]any); ok {
		info = maps.Clone(info)
		info["description"] = "Letta's REST API as served by letta-server: the operations of Letta's published document that this server implements."
		doc["info"] = info
	}
	doc["paths"] = paths
	doc["components"] = referencedComponents(src, paths)
	return doc, nil
}

func countMethods(item map[string]any) int {
	n := 0
	for _, m := range httpMethods {
		if _, ok := item[m]; ok {
			n++
		}
	}
	return n
}

// referencedComponents returns the components that paths reference,
// directly or through other components, plus every security scheme.
func referencedComponents(src map[string]any, paths map[string]any) map[string]any {
	all, _ := src["components"].(map[string]any)
	out := map[string]any{}
	if ss, ok := all["securitySchemes"]; ok {
		out["securitySchemes"] = ss
	}
	seen := map[string]bool{}
	var visit func(v any)
	visit = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok && !seen[ref] {
				seen[ref] = true
				kind, name, ok := splitComponentRef(ref)
				if ok {
					group, _ := all[kind].(map[string]any)
					if c, ok := group[name]; ok {
						dst, _ := out[kind].(map[string]any)
						if dst == nil {
							dst = map[string]any{}
							out[kind] = dst
						}
						dst[name] = c
						visit(c)
					}
				}
			}
			for _, e := range x {
				visit(e)
			}
		case []any:
			for _, e := range x {
				visit(e)
			}
		}
	}
	visit(paths)
	return out
}

// splitComponentRef splits "#/components/schemas/Name" into its kind and
// name (JSON-pointer escapes undone).
func splitComponentRef(ref string) (kind, name string, ok bool) {
	rest, ok := strings.CutPrefix(ref, "#/components/")
	if !ok {
		return "", "", false
	}
	kind, name, ok = strings.Cut(rest, "/")
	name = strings.NewReplacer("~1", "/", "~0", "~").Replace(name)
	return kind, name, ok
}
