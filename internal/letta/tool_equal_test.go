package letta

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

// fullTool has every field set, so that a field Equal forgets shows up.
func fullTool(t *testing.T) Tool {
	t.Helper()
	var x Tool
	src := `{"id":"tool-1","tool_type":"custom","name":"f","description":"d","source_type":"python","source_code":"def f(): pass",
		"json_schema":{"name":"f","parameters":{"type":"object","properties":{"x":{"type":"string","enum":["a","b"],"default":0}},"required":["x"]}},
		"args_json_schema":{"type":"object"},"tags":["t"],"return_char_limit":5,"pip_requirements":[{"name":"requests"}],
		"npm_requirements":[],"default_requires_approval":true,"enable_parallel_execution":false,"metadata_":{"k":[1,2,null,true]},
		"project_id":"p","created_by_id":"u","last_updated_by_id":"v",
		"created_at":"2026-01-02T03:04:05.123456Z","updated_at":"2026-01-02T03:04:06Z"}`
	if err := json.Unmarshal([]byte(src), &x); err != nil {
		t.Fatal(err)
	}
	return x
}

func TestToolEqualSeesEveryField(t *testing.T) {
	orig := fullTool(t)
	if c := orig.Clone(); !orig.Equal(&c) {
		t.Fatal("a clone is not Equal")
	}
	typ := reflect.TypeFor[Tool]()
	for i := range typ.NumField() {
		c := orig.Clone()
		change(t, reflect.ValueOf(&c).Elem().Field(i))
		if orig.Equal(&c) {
			t.Errorf("Equal misses a change of %s", typ.Field(i).Name)
		}
	}
}

// change sets v to a value that encodes differently.
func change(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Int:
		v.SetInt(v.Int() + 1)
	case reflect.Pointer, reflect.Slice, reflect.Map:
		if v.IsNil() {
			t.Fatalf("fullTool leaves a %s nil", v.Type())
		}
		v.SetZero()
	case reflect.Struct:
		tm, ok := v.Addr().Interface().(*time.Time)
		if !ok {
			t.Fatalf("no change for %s", v.Type())
		}
		*tm = tm.Add(time.Microsecond)
	default:
		t.Fatalf("no change for %s", v.Type())
	}
}

func TestToolEqualNested(t *testing.T) {
	orig := fullTool(t)
	props := func(x *Tool) map[string]any {
		return x.JSONSchema["parameters"].(map[string]any)["properties"].(map[string]any)["x"].(map[string]any)
	}
	tests := []struct {
		name   string
		mutate func(x *Tool)
	}{
		{"nested string", func(x *Tool) { props(x)["type"] = "integer" }},
		{"nested array element", func(x *Tool) { props(x)["enum"].([]any)[1] = "c" }},
		{"nested key added", func(x *Tool) { props(x)["minimum"] = 1.0 }},
		{"number to string", func(x *Tool) { props(x)["default"] = "0" }},
		{"zero to negative zero", func(x *Tool) { props(x)["default"] = math.Copysign(0, -1) }},
		{"empty list to nil", func(x *Tool) { x.NpmRequirements = nil }},
		{"null to false in metadata", func(x *Tool) { x.Metadata["k"].([]any)[2] = false }},
		{"same instant, other location", func(x *Tool) { x.CreatedAt = x.CreatedAt.In(time.FixedZone("X", 3600)) }},
		{"Go-built value", func(x *Tool) { x.JSONSchema["required"] = []string{"x"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := orig.Clone()
			tt.mutate(&c)
			if orig.Equal(&c) {
				t.Error("Equal after the change")
			}
		})
	}
	a, b := orig.Clone(), orig.Clone()
	a.JSONSchema["required"], b.JSONSchema["required"] = []string{"x"}, []string{"x"}
	if !a.Equal(&b) {
		t.Error("equal Go-built values are not Equal")
	}
	a.Tags, b.Tags = []string{}, nil
	if a.Equal(&b) {
		t.Error("empty tags Equal nil tags")
	}
}
