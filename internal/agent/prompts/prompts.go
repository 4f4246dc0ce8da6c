// Package prompts holds the default base instructions of each agent type.
// They are our own texts, written for this server.
package prompts

import (
	_ "embed"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
)

var (
	//go:embed memgpt.txt
	memgpt string
	//go:embed letta_v1.txt
	lettaV1 string
	//go:embed react.txt
	react string
	//go:embed workflow.txt
	workflow string
	//go:embed sleeptime.txt
	sleeptime string
)

// For returns the default system prompt of an agent type, trimmed.
func For(t letta.AgentType) string {
	var s string
	switch t {
	case letta.AgentTypeMemGPT, letta.AgentTypeMemGPTV2:
		s = memgpt
	case letta.AgentTypeReact:
		s = react
	case letta.AgentTypeWorkflow:
		s = workflow
	case letta.AgentTypeSleeptime:
		s = sleeptime
	default:
		s = lettaV1
	}
	return strings.TrimSpace(s)
}
