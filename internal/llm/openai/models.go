package openai

import "strings"

type chatModel struct {
	name          string
	contextWindow int
}

// openAIModels are the chat models listed for the openai provider, with the
// context windows OpenAI documents.
var openAIModels = []chatModel{
	{"gpt-4o-mini", 128000},
	{"gpt-4o", 128000},
	{"gpt-4.1", 1047576},
	{"gpt-4.1-mini", 1047576},
	{"gpt-4.1-nano", 1047576},
	{"gpt-4-turbo", 128000},
	{"gpt-4", 8192},
	{"gpt-3.5-turbo", 16385},
	{"o1", 200000},
	{"o1-mini", 128000},
	{"o3", 200000},
	{"o3-mini", 200000},
	{"o4-mini", 200000},
	{"gpt-5", 400000},
	{"gpt-5-mini", 400000},
	{"gpt-5-nano", 400000},
	{"gpt-5.1", 400000},
}

// xaiModels are the chat models listed for the xai provider.
var xaiModels = []chatModel{
	{"grok-4", 256000},
	{"grok-4-fast-reasoning", 2000000},
	{"grok-4-fast-non-reasoning", 2000000},
	{"grok-code-fast-1", 256000},
	{"grok-3", 131072},
	{"grok-3-mini", 131072},
}

// knownModels is the model table for a provider name; other compatible
// endpoints list nothing and serve whatever DefaultLLM accepts.
func knownModels(provider string) []chatModel {
	switch provider {
	case "openai":
		return openAIModels
	case "xai":
		return xaiModels
	}
	return nil
}

type embeddingModel struct {
	name string
	dim  int
}

var embeddingModels = []embeddingModel{
	{"text-embedding-ada-002", 1536},
	{"text-embedding-3-small", 1536},
	{"text-embedding-3-large", 3072},
}

// reasoningModel reports whether OpenAI treats the model as a reasoning
// model: max_completion_tokens instead of max_tokens, no temperature.
func reasoningModel(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}
