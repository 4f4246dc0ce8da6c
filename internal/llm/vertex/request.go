package vertex

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"google.golang.org/genai"

	"github.com/letta-server/letta-server/internal/llm"
)

// toWire maps a provider-neutral request to genai contents and config.
// System messages become the system instruction; assistant turns are
// "model" turns with their text and functionCall parts (arguments as
// objects, the call id echoed, the thought signature on the first call);
// tool results are functionResponse parts of a user turn, carrying the id
// and the name of the call they answer. Consecutive turns of one role are
// merged.
func toWire(req llm.ChatRequest) ([]*genai.Content, *genai.GenerateContentConfig, error) {
	cfg := &genai.GenerateContentConfig{}
	var system []string
	var contents []*genai.Content
	callNames := map[string]string{}
	for _, m := range req.Messages {
		var role string
		var parts []*genai.Part
		switch m.Role {
		case llm.RoleSystem:
			system = append(system, m.Content)
			continue
		case llm.RoleAssistant:
			role = genai.RoleModel
			if strings.TrimSpace(m.Content) != "" {
				parts = append(parts, &genai.Part{Text: m.Content})
			}
			sig := decodeSignature(m.ReasoningSignature)
			for i, c := range m.ToolCalls {
				callNames[c.ID] = c.Name
				p := &genai.Part{FunctionCall: &genai.FunctionCall{ID: c.ID, Name: c.Name, Args: argsObject(c.Arguments)}}
				if i == 0 {
					p.ThoughtSignature = sig
				}
				parts = append(parts, p)
			}
		case llm.RoleTool:
			role = genai.RoleUser
			parts = []*genai.Part{{FunctionResponse: &genai.FunctionResponse{
				ID:       m.ToolCallID,
				Name:     callNames[m.ToolCallID],
				Response: map[string]any{"output": resultValue(m.Content)},
			}}}
		default:
			role = genai.RoleUser
			text := m.Content
			if strings.TrimSpace(text) == "" {
				text = "(empty)"
			}
			parts = []*genai.Part{{Text: text}}
			if m.HasImages() {
				userParts, err := wireParts(m.Parts)
				if err != nil {
					return nil, nil, err
				}
				parts = userParts
			}
		}
		if len(parts) == 0 {
			continue
		}
		if n := len(contents); n > 0 && contents[n-1].Role == role {
			contents[n-1].Parts = append(contents[n-1].Parts, parts...)
			continue
		}
		contents = append(contents, &genai.Content{Role: role, Parts: parts})
	}
	if len(system) > 0 {
		cfg.SystemInstruction = &genai.Content{Parts: []*genai.Part{{Text: strings.Join(system, "\n\n")}}}
	}
	if req.Temperature != nil {
		cfg.Temperature = genai.Ptr(float32(*req.Temperature))
	}
	if req.MaxTokens > 0 {
		cfg.MaxOutputTokens = int32(req.MaxTokens)
	}
	if len(req.Tools) > 0 {
		decls := make([]*genai.FunctionDeclaration, 0, len(req.Tools))
		for _, t := range req.Tools {
			var schema any = t.Parameters
			if t.Parameters == nil {
				schema = map[string]any{"type": "object", "properties": map[string]any{}}
			}
			decls = append(decls, &genai.FunctionDeclaration{Name: t.Name, Description: t.Description, ParametersJsonSchema: schema})
		}
		cfg.Tools = []*genai.Tool{{FunctionDeclarations: decls}}
		fc := &genai.FunctionCallingConfig{Mode: genai.FunctionCallingConfigModeAuto}
		switch req.ToolChoice {
		case "", llm.ToolChoiceAuto:
		case llm.ToolChoiceRequired:
			fc.Mode = genai.FunctionCallingConfigModeAny
		case llm.ToolChoiceNone:
			fc.Mode = genai.FunctionCallingConfigModeNone
		default:
			fc.Mode, fc.AllowedFunctionNames = genai.FunctionCallingConfigModeAny, []string{req.ToolChoice}
		}
		cfg.ToolConfig = &genai.ToolConfig{FunctionCallingConfig: fc}
	}
	return contents, cfg, nil
}

// argsObject parses a call's arguments; anything but a JSON object is sent
// as an empty object.
func argsObject(args string) map[string]any {
	var obj map[string]any
	if json.Unmarshal([]byte(args), &obj) != nil || obj == nil {
		return map[string]any{}
	}
	return obj
}

// resultValue sends a tool result that is JSON as structured data, and
// anything else as text.
func resultValue(content string) any {
	var v any
	if json.Unmarshal([]byte(content), &v) == nil {
		return v
	}
	return content
}

func decodeSignature(s string) []byte {
	if s == "" {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}
