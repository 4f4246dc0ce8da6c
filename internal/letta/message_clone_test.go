package letta

import (
	"reflect"
	"testing"
	"time"
)

// TestMessageCloneSharesNothing fills every field of a Message, through
// reflection so a field added later is filled too, and checks that the
// clone equals the original and shares no pointer, slice or map with it.
func TestMessageCloneSharesNothing(t *testing.T) {
	var orig Message
	fill(reflect.ValueOf(&orig).Elem())
	c := orig.Clone()
	if !reflect.DeepEqual(c, orig) {
		t.Fatalf("clone differs:\n%+v\n%+v", c, orig)
	}
	assertDisjoint(t, "Message", reflect.ValueOf(c), reflect.ValueOf(orig))
}

// TestMessageCloneKeepsNilAndEmpty: a nil slice stays nil and an empty one
// stays empty, as the wire shows null and [] differently.
func TestMessageCloneKeepsNilAndEmpty(t *testing.T) {
	var zero Message
	if c := zero.Clone(); !reflect.DeepEqual(c, zero) {
		t.Errorf("clone of the zero message = %+v, want it unchanged", c)
	}
	empty := Message{Content: []Content{}, ToolCalls: []ToolCall{}, ToolReturns: []ToolReturn{{Stdout: []string{}}}, Approvals: []Approval{}}
	c := empty.Clone()
	if c.Content == nil || c.ToolCalls == nil || c.Approvals == nil || c.ToolReturns[0].Stdout == nil || c.ToolReturns[0].Stderr != nil {
		t.Errorf("clone changed nil or empty slices: %#v", c)
	}
}

// fill sets every settable part of v to a non-zero value: pointers point to
// filled values, slices and maps get two filled elements, interfaces hold a
// nested JSON value.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for _, k := range []string{"a", "b"} {
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e)
			v.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
	case reflect.Interface:
		v.Set(reflect.ValueOf(map[string]any{"k": []any{"v", map[string]any{"n": 1.0}}}))
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	default:
		panic("fill: unhandled kind " + v.Kind().String() + " at " + v.Type().String())
	}
}

// assertDisjoint fails when a and b (equal values) share memory anywhere
// below them: a pointer, a slice's array or a map.
func assertDisjoint(t *testing.T, path string, a, b reflect.Value) {
	t.Helper()
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return
		}
		if a.Pointer() == b.Pointer() {
			t.Errorf("%s: clone shares the pointer", path)
			return
		}
		assertDisjoint(t, path, a.Elem(), b.Elem())
	case reflect.Slice:
		if a.Len() == 0 {
			return
		}
		if a.Pointer() == b.Pointer() {
			t.Errorf("%s: clone shares the slice", path)
		}
		for i := range a.Len() {
			assertDisjoint(t, path+"[]", a.Index(i), b.Index(i))
		}
	case reflect.Map:
		if a.Len() == 0 {
			return
		}
		if a.Pointer() == b.Pointer() {
			t.Errorf("%s: clone shares the map", path)
		}
		for _, k := range a.MapKeys() {
			assertDisjoint(t, path+"["+k.String()+"]", a.MapIndex(k), b.MapIndex(k))
		}
	case reflect.Interface:
		if !a.IsNil() {
			assertDisjoint(t, path, a.Elem(), b.Elem())
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if f := a.Type().Field(i); f.IsExported() {
				assertDisjoint(t, path+"."+f.Name, a.Field(i), b.Field(i))
			}
		}
	}
}
