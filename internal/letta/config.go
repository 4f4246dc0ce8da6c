package letta

// LLMConfig says which model an agent talks to and how (Letta's LLMConfig).
// Optional fields are pointers so that they are written as null, as Letta does.
type LLMConfig struct {
	Model                    string   `json:"model"`
	ModelEndpointType        string   `json:"model_endpoint_type"`
	ModelEndpoint            *string  `json:"model_endpoint"`
	ModelWrapper             *string  `json:"model_wrapper"`
	ContextWindow            int      `json:"context_window"`
	PutInnerThoughtsInKwargs *bool    `json:"put_inner_thoughts_in_kwargs"`
	Handle                   *string  `json:"handle"`
	Temperature              float64  `json:"temperature"`
	MaxTokens                *int     `json:"max_tokens"`
	EnableReasoner           bool     `json:"enable_reasoner"`
	MaxReasoningTokens       int      `json:"max_reasoning_tokens"`
	ReasoningEffort          *string  `json:"reasoning_effort"`
	FrequencyPenalty         *float64 `json:"frequency_penalty"`
	DisplayName              *string  `json:"display_name"`
	ProviderName             *string  `json:"provider_name"`
	ProviderCategory         *string  `json:"provider_category"`
	ParallelToolCalls        *bool    `json:"parallel_tool_calls"`
	Strict                   bool     `json:"strict"`
	Tier                     *string  `json:"tier"`
	Verbosity                *string  `json:"verbosity"`
	ResponseFormat           any      `json:"response_format"`
}

// EmbeddingConfig says which embedding model an agent's archival memory uses.
type EmbeddingConfig struct {
	EmbeddingEndpointType string  `json:"embedding_endpoint_type"`
	EmbeddingEndpoint     *string `json:"embedding_endpoint"`
	EmbeddingModel        string  `json:"embedding_model"`
	EmbeddingDim          int     `json:"embedding_dim"`
	EmbeddingChunkSize    *int    `json:"embedding_chunk_size"`
	Handle                *string `json:"handle"`
	BatchSize             int     `json:"batch_size"`
	AzureEndpoint         *string `json:"azure_endpoint"`
	AzureVersion          *string `json:"azure_version"`
	AzureDeployment       *string `json:"azure_deployment"`
}

// Ptr returns a pointer to v; handy for the many nullable wire fields.
func Ptr[T any](v T) *T { return &v }

// Deref returns *p, or the zero value when p is nil.
func Deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
