package agentfile_test

import (
	"errors"
	"os/exec"
	"testing"

	"github.com/letta-server/letta-server/internal/agentfile"
	"github.com/letta-server/letta-server/internal/letta"
)

// TestBrokenToolSourceRefused: a custom tool whose source is not valid
// Python is a FormatError naming it, and an existing tool of that name keeps
// its working source even with override_existing_tools.
func TestBrokenToolSourceRefused(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is needed to check tool source")
	}
	t.Parallel()
	fx := setup(t)
	ctx := t.Context()
	var path string
	var toolIdx int = -1
	for _, p := range publishedFiles(t) {
		f := parseFile(t, p)
		for i, tool := range f.Tools {
			if (tool.ToolType == "" || tool.ToolType == letta.ToolTypeCustom) && tool.SourceCode != nil && *tool.SourceCode != "" {
				path, toolIdx = p, i
				break
			}
		}
		if toolIdx >= 0 {
			break
		}
	}
	if toolIdx < 0 {
		t.Fatal("no published file has a custom tool with source")
	}
	good := parseFile(t, path)
	if _, err := fx.importer.Import(ctx, good, agentfile.ImportOptions{OverrideExistingTools: true}); err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	name := good.Tools[toolIdx].Name
	before, err := fx.store.GetToolByName(ctx, name)
	if err != nil {
		t.Fatal(err)
	}

	bad := parseFile(t, path)
	bad.Tools[toolIdx].SourceCode = letta.Ptr("def broken(:\n    pass\n")
	_, err = fx.importer.Import(ctx, bad, agentfile.ImportOptions{OverrideExistingTools: true})
	var fe *agentfile.FormatError
	if !errors.As(err, &fe) || fe.Path == "" {
		t.Fatalf("import of broken source = %v, want a FormatError naming the tool", err)
	}
	after, err := fx.store.GetToolByName(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if letta.Deref(after.SourceCode) != letta.Deref(before.SourceCode) {
		t.Errorf("tool %s source was replaced by the refused import", name)
	}
}
