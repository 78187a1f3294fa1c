package apidoc_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haidian/fieldsync/internal/apidoc"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestDocument_IsGenerated fails when mobile-api/openapi.yaml is not what the generator makes
// from the template and the current migrations: a schema change that forgot the contract.
func TestDocument_IsGenerated(t *testing.T) {
	root, err := apidoc.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	template, err := os.ReadFile(filepath.Join(root, apidoc.TemplatePath))
	if err != nil {
		t.Fatal(err)
	}
	want, err := apidoc.Generate(testkit.NewApp(t), template)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, apidoc.DocumentPath))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: the template or a synced collection changed.\n"+
			"Run `GOTOOLCHAIN=go1.27.3 go run ./cmd/apidocgen` and commit the result.\n%s",
			apidoc.DocumentPath, firstDifference(got, want))
	}
}

func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("first difference at line %d:\n  committed: %s\n  generated: %s", i+1, gl, wl)
		}
	}
	return ""
}

// TestDocument_IsWellFormed compiles every schema of the document as JSON Schema 2020-12,
// resolves every $ref, and checks every example against the schema beside it.
func TestDocument_IsWellFormed(t *testing.T) {
	k := theContract(t)
	if v := k.doc["openapi"]; v != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", v)
	}
	walk(k.doc, "", func(ptr string, obj map[string]any) {
		if ref, ok := obj["$ref"].(string); ok {
			if !strings.HasPrefix(ref, "#/") {
				t.Errorf("%s: $ref %q leaves the document", ptr, ref)
			} else if _, ok := k.pointer(strings.TrimPrefix(ref, "#")); !ok {
				t.Errorf("%s: $ref %q resolves to nothing", ptr, ref)
			}
		}
		if _, ok := obj["schema"]; ok && !strings.Contains(ptr, "/properties/") {
			if _, err := k.schema(ptr + "/schema"); err != nil {
				t.Errorf("%s/schema: %v", ptr, err)
			}
			if ex, ok := obj["example"]; ok {
				js, _ := json.Marshal(ex)
				if err := k.validate(ptr+"/schema", js); err != nil {
					t.Errorf("%s/example does not match its schema:\n%v", ptr, err)
				}
			}
		}
	})
	schemas, _ := k.doc["components"].(map[string]any)["schemas"].(map[string]any)
	for name := range schemas {
		if _, err := k.schema("/components/schemas/" + name); err != nil {
			t.Errorf("schema %s: %v", name, err)
		}
	}
	ids := map[string]string{}
	for _, a := range k.documentedAnswers() {
		method, path, _ := strings.Cut(a, " ")
		path, _, _ = strings.Cut(path, " ")
		op, _ := k.pointer(operationPtr(method, path))
		id, _ := op.(map[string]any)["operationId"].(string)
		if id == "" {
			t.Errorf("%s %s has no operationId", method, path)
		} else if other, dup := ids[id]; dup && other != method+" "+path {
			t.Errorf("operationId %s is used by %s and %s %s", id, other, method, path)
		}
		ids[id] = method + " " + path
	}
}

// walk calls f for every object in v, with its JSON pointer.
func walk(v any, ptr string, f func(string, map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		f(ptr, v)
		for key, child := range v {
			walk(child, ptr+"/"+escapePtr(key), f)
		}
	case []any:
		for i, child := range v {
			walk(child, fmt.Sprintf("%s/%d", ptr, i), f)
		}
	}
}
