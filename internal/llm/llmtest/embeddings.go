package llmtest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultEmbeddingDim is the vector size when a request gives no dimensions.
const DefaultEmbeddingDim = 1536

// handleEmbeddings answers POST /embeddings with deterministic unit vectors
// derived from a hash of each input text.
func (s *Server) handleEmbeddings(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "could not read the request body")
		return
	}
	var req struct {
		Model      string          `json:"model"`
		Input      json.RawMessage `json:"input"`
		Dimensions int             `json:"dimensions"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "We could not parse the JSON body of your request.")
		return
	}
	var inputs []string
	var one string
	if err := json.Unmarshal(req.Input, &one); err == nil {
		inputs = []string{one}
	} else if err := json.Unmarshal(req.Input, &inputs); err != nil {
		writeError(w, http.StatusBadRequest, "'input' must be a string or an array of strings")
		return
	}
	if len(inputs) == 0 {
		writeError(w, http.StatusBadRequest, "'input' must not be empty")
		return
	}
	dim := req.Dimensions
	if dim <= 0 {
		dim = DefaultEmbeddingDim
	}
	s.mu.Lock()
	s.embeddings = append(s.embeddings, EmbeddingRequest{Model: req.Model, Input: inputs, Dimensions: req.Dimensions})
	s.mu.Unlock()

	out := embeddingList{Object: "list", Model: req.Model, Data: make([]embeddingItem, 0, len(inputs))}
	tokens := 0
	for i, text := range inputs {
		out.Data = append(out.Data, embeddingItem{Object: "embedding", Index: i, Embedding: Embedding(text, dim)})
		tokens += max(utf8.RuneCountInString(text)/4, 1)
	}
	out.Usage.PromptTokens, out.Usage.TotalTokens = tokens, tokens
	writeJSON(w, http.StatusOK, out)
}

// Embedding is the fake's vector for text: deterministic, of length dim,
// with unit norm. It is a bag of words: each lower-cased word adds a
// pseudo-random vector seeded by its hash, so texts sharing words are closer
// (cosine) than unrelated texts, and equal texts get equal vectors. Tests can
// compute expected vectors with it.
func Embedding(text string, dim int) []float32 {
	sum := make([]float64, dim)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	if len(words) == 0 {
		words = []string{text}
	}
	for _, w := range words {
		addWordVector(sum, w)
	}
	var norm float64
	for _, x := range sum {
		norm += x * x
	}
	v := make([]float32, dim)
	if norm == 0 {
		return v
	}
	scale := 1 / math.Sqrt(norm)
	for i, x := range sum {
		v[i] = float32(x * scale)
	}
	return v
}

// addWordVector adds to sum a vector in [-1, 1]^dim derived from SHA-256
// of the word (eight 4-byte values per block, block i hashed with counter i).
func addWordVector(sum []float64, word string) {
	seed := sha256.Sum256([]byte(word))
	var block [32]byte
	for i := range sum {
		if i%8 == 0 {
			var counter [8]byte
			binary.LittleEndian.PutUint64(counter[:], uint64(i/8))
			block = sha256.Sum256(append(seed[:], counter[:]...))
		}
		u := binary.LittleEndian.Uint32(block[(i%8)*4:])
		sum[i] += float64(u)/math.MaxUint32*2 - 1
	}
}
