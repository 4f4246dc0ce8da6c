package memory

import (
	"fmt"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
)

const toolRulesIntro = "The following constraints define rules for tool usage and guide desired behavior. These rules must be followed to ensure proper tool execution and workflow. A single response may contain multiple tool calls."

// RulePrompts renders the prompt of every rule that has one, each wrapped in
// <tool_rule>, in Letta's order: continue, child-type (child, conditional,
// max-count), parent, terminal. Init, required-before-exit and
// requires-approval rules render nothing. "" when no rule renders.
func RulePrompts(rules []letta.ToolRule) string {
	var continues, children, parents, terminals []string
	for _, r := range rules {
		switch r.Type {
		case letta.RuleContinueLoop:
			continues = append(continues, r.ToolName+" requires continuing your response when called")
		case letta.RuleChild:
			children = append(children, fmt.Sprintf("After using %s, you must use one of these tools: %s", r.ToolName, strings.Join(r.Children, ", ")))
		case letta.RuleConditional:
			children = append(children, r.ToolName+" will determine which tool to use next based on its output")
		case letta.RuleMaxCountPerStep:
			children = append(children, fmt.Sprintf("%s: at most %d use(s) per response", r.ToolName, r.MaxCountLimit))
		case letta.RuleParent:
			parents = append(parents, fmt.Sprintf("%s can only be used after %s", strings.Join(r.Children, ", "), r.ToolName))
		case letta.RuleExitLoop:
			terminals = append(terminals, r.ToolName+" ends your response (yields control) when called")
		}
	}
	var out []string
	for _, group := range [][]string{continues, children, parents, terminals} {
		for _, p := range group {
			out = append(out, "<tool_rule>\n"+p+"\n</tool_rule>")
		}
	}
	return strings.Join(out, "\n")
}
