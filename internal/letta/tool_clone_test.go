package letta

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestToolCloneSharesNothing(t *testing.T) {
	var orig Tool
	src := `{"id":"tool-1","name":"f","description":"d","source_code":"def f(): pass",
		"json_schema":{"name":"f","parameters":{"type":"object","properties":{"x":{"type":"string","enum":["a","b"]}},"required":["x"]}},
		"tags":["t"],"pip_requirements":[{"name":"requests"}],"metadata_":{"k":[1,2]},"default_requires_approval":true}`
	if err := json.Unmarshal([]byte(src), &orig); err != nil {
		t.Fatal(err)
	}
	c := orig.Clone()
	if !reflect.DeepEqual(c, orig) {
		t.Fatalf("clone differs:\n%+v\n%+v", c, orig)
	}
	// Mutate everything reachable from the clone; the original must not change.
	*c.Description = "changed"
	*c.DefaultRequiresApproval = false
	c.Tags[0] = "changed"
	c.JSONSchema["parameters"].(map[string]any)["required"].([]any)[0] = "changed"
	c.JSONSchema["parameters"].(map[string]any)["properties"].(map[string]any)["x"].(map[string]any)["type"] = "changed"
	c.PipRequirements[0].(map[string]any)["name"] = "changed"
	c.Metadata["k"].([]any)[0] = "changed"
	var fresh Tool
	_ = json.Unmarshal([]byte(src), &fresh)
	if !reflect.DeepEqual(orig, fresh) {
		t.Errorf("mutating the clone changed the original:\n%+v", orig)
	}
}
