package agent

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/letta-server/letta-server/internal/letta"
)

// ruleSolver applies an agent's tool rules over one request: which tools
// may be called next, and whether a call ends or continues the turn.
type ruleSolver struct {
	rules   []letta.ToolRule
	history []string // tools called in this request, in order
	last    string   // the inner message of the last tool return
}

func (s *ruleSolver) byType(typ string) []letta.ToolRule {
	var out []letta.ToolRule
	for _, r := range s.rules {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

func (s *ruleSolver) has(typ, tool string) bool {
	return slices.ContainsFunc(s.rules, func(r letta.ToolRule) bool { return r.Type == typ && r.ToolName == tool })
}

// register records a call and the message of its return.
func (s *ruleSolver) register(tool, output string) {
	s.history = append(s.history, tool)
	s.last = output
}

// allowed filters the available tool names by the rules. An empty result
// falls back to every available tool, as Letta's newer loops do.
func (s *ruleSolver) allowed(available []string) []string {
	if len(s.history) == 0 {
		if inits := s.byType(letta.RuleRunFirst); len(inits) > 0 {
			var out []string
			for _, r := range inits {
				if slices.Contains(available, r.ToolName) && !slices.Contains(out, r.ToolName) {
					out = append(out, r.ToolName)
				}
			}
			if len(out) > 0 {
				return out
			}
		}
	}
	out := slices.Clone(available)
	keep := func(valid []string) {
		out = slices.DeleteFunc(out, func(n string) bool { return !slices.Contains(valid, n) })
	}
	var lastTool string
	if n := len(s.history); n > 0 {
		lastTool = s.history[n-1]
	}
	for _, r := range s.rules {
		switch r.Type {
		case letta.RuleChild:
			if r.ToolName == lastTool {
				keep(r.Children)
			}
		case letta.RuleConditional:
			if r.ToolName == lastTool {
				if next := s.conditionalChild(r); next != nil {
					keep(next)
				}
			}
		case letta.RuleParent:
			if r.ToolName != lastTool {
				out = slices.DeleteFunc(out, func(n string) bool { return slices.Contains(r.Children, n) })
			}
		case letta.RuleMaxCountPerStep:
			count := 0
			for _, h := range s.history {
				if h == r.ToolName {
					count++
				}
			}
			if count >= r.MaxCountLimit {
				out = slices.DeleteFunc(out, func(n string) bool { return n == r.ToolName })
			}
		}
	}
	if len(out) == 0 {
		return slices.Clone(available)
	}
	return out
}

// conditionalChild picks the next tool from the last output; nil = any.
func (s *ruleSolver) conditionalChild(r letta.ToolRule) []string {
	for key, tool := range r.ChildOutputMapping {
		if outputMatches(s.last, key) {
			return []string{tool}
		}
	}
	if r.DefaultChild != nil {
		return []string{*r.DefaultChild}
	}
	if r.RequireOutputMapping {
		return []string{}
	}
	return nil
}

func outputMatches(output, key string) bool {
	out := strings.TrimSpace(output)
	var v any
	if json.Unmarshal([]byte(out), &v) == nil {
		if s, ok := v.(string); ok {
			out = s
		}
	}
	if kb, err := strconv.ParseBool(key); err == nil && (strings.EqualFold(key, "true") || strings.EqualFold(key, "false")) {
		ob, err := strconv.ParseBool(strings.ToLower(out))
		return err == nil && ob == kb
	}
	if kf, err := strconv.ParseFloat(key, 64); err == nil {
		of, err := strconv.ParseFloat(out, 64)
		return err == nil && of == kf
	}
	return out == key
}

// constrained reports whether a rule limits the next call (an init rule not
// yet satisfied, or a child-type rule on the last tool).
func (s *ruleSolver) constrained() bool {
	if len(s.history) == 0 {
		return len(s.byType(letta.RuleRunFirst)) > 0
	}
	return s.hasChildRule(s.history[len(s.history)-1])
}

func (s *ruleSolver) isTerminal(tool string) bool { return s.has(letta.RuleExitLoop, tool) }
func (s *ruleSolver) isContinue(tool string) bool { return s.has(letta.RuleContinueLoop, tool) }

// hasChildRule: a child, conditional or max-count rule is keyed on the tool
// (Letta continues the turn after such a tool).
func (s *ruleSolver) hasChildRule(tool string) bool {
	return s.has(letta.RuleChild, tool) || s.has(letta.RuleConditional, tool) || s.has(letta.RuleMaxCountPerStep, tool)
}

// uncalledRequired lists required_before_exit tools not called yet.
func (s *ruleSolver) uncalledRequired(available []string) []string {
	var out []string
	for _, r := range s.byType(letta.RuleRequiredBeforeExit) {
		if slices.Contains(available, r.ToolName) && !slices.Contains(s.history, r.ToolName) {
			out = append(out, r.ToolName)
		}
	}
	return out
}
