package letta

import (
	"encoding/json"
	"fmt"
)

// Tool rule types (Letta's ToolRuleType values).
const (
	RuleRunFirst           = "run_first"
	RuleExitLoop           = "exit_loop"
	RuleContinueLoop       = "continue_loop"
	RuleChild              = "constrain_child_tools"
	RuleParent             = "parent_last_tool"
	RuleConditional        = "conditional"
	RuleMaxCountPerStep    = "max_count_per_step"
	RuleRequiredBeforeExit = "required_before_exit"
	RuleRequiresApproval   = "requires_approval"
)

// ToolRule is one rule of the tool-rule union, discriminated by Type. It keeps
// the JSON object it was decoded from, so a rule is returned exactly as sent.
type ToolRule struct {
	Type                 string            `json:"type"`
	ToolName             string            `json:"tool_name"`
	PromptTemplate       *string           `json:"prompt_template"`
	Children             []string          `json:"children,omitempty"`
	ChildOutputMapping   map[string]string `json:"child_output_mapping,omitempty"`
	DefaultChild         *string           `json:"default_child,omitempty"`
	RequireOutputMapping bool              `json:"require_output_mapping,omitempty"`
	MaxCountLimit        int               `json:"max_count_limit,omitempty"`
	Args                 map[string]any    `json:"args,omitempty"`

	raw map[string]json.RawMessage
}

// UnmarshalJSON decodes the known fields and remembers the whole object.
func (r *ToolRule) UnmarshalJSON(b []byte) error {
	type plain ToolRule
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*r = ToolRule(p)
	r.raw = raw
	return nil
}

// MarshalJSON writes the object as it was received (with prompt_template
// present, null when absent, as Letta returns it), or the known fields.
func (r ToolRule) MarshalJSON() ([]byte, error) {
	type plain ToolRule
	b, err := json.Marshal(plain(r))
	if err != nil || r.raw == nil {
		return b, err
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	for k, v := range r.raw {
		out[k] = v
	}
	return json.Marshal(out)
}

// Validate reports what is wrong with the rule, or nil.
func (r ToolRule) Validate() error {
	if r.ToolName == "" {
		return fmt.Errorf("tool_name is required")
	}
	switch r.Type {
	case RuleRunFirst, RuleExitLoop, RuleContinueLoop, RuleRequiredBeforeExit, RuleRequiresApproval:
	case RuleChild, RuleParent:
		if r.Children == nil {
			return fmt.Errorf("%s rule for %q needs children", r.Type, r.ToolName)
		}
	case RuleConditional:
		if r.ChildOutputMapping == nil {
			return fmt.Errorf("conditional rule for %q needs child_output_mapping", r.ToolName)
		}
	case RuleMaxCountPerStep:
		if r.MaxCountLimit < 1 {
			return fmt.Errorf("max_count_per_step rule for %q needs max_count_limit >= 1", r.ToolName)
		}
	default:
		return fmt.Errorf("unknown tool rule type %q", r.Type)
	}
	return nil
}
