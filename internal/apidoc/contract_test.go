package apidoc_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/haidian/fieldsync/internal/apidoc"
)

// docURL names the document inside the validator; its schemas' $refs resolve against it.
const docURL = "https://fieldsync.invalid/mobile-api/openapi.yaml"

// contract is the committed document, ready to check requests and responses against. It
// records which answers (operation and status) and which record schemas live traffic
// exercised, so a test can tell what the document promises but nothing checked.
type contract struct {
	doc      map[string]any
	compiler *jsonschema.Compiler

	mu      stdsync.Mutex
	schemas map[string]*jsonschema.Schema
	answers map[string]bool // "POST /api/sync/v1/pull 200"
	records map[string]bool // collection names whose records were checked
}

var (
	loaded     *contract
	loadErr    error
	loadedOnce stdsync.Once
)

// theContract loads mobile-api/openapi.yaml once per test binary.
func theContract(t testing.TB) *contract {
	t.Helper()
	loadedOnce.Do(func() {
		root, err := apidoc.ModuleRoot()
		if err != nil {
			loadErr = err
			return
		}
		raw, err := os.ReadFile(filepath.Join(root, apidoc.DocumentPath))
		if err != nil {
			loadErr = err
			return
		}
		loaded, loadErr = newContract(raw)
	})
	if loadErr != nil {
		t.Fatalf("load %s: %v", apidoc.DocumentPath, loadErr)
	}
	return loaded
}

func newContract(raw []byte) (*contract, error) {
	doc, err := yamlToJSON(raw)
	if err != nil {
		return nil, err
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the document is not an object")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(docURL, doc); err != nil {
		return nil, err
	}
	return &contract{doc: m, compiler: c, schemas: map[string]*jsonschema.Schema{},
		answers: map[string]bool{}, records: map[string]bool{}}, nil
}

// yamlToJSON decodes YAML into the JSON values the validator works on (json.Number numbers).
func yamlToJSON(raw []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	js, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(js))
}

// schema compiles the schema at the JSON pointer ptr of the document.
func (k *contract) schema(ptr string) (*jsonschema.Schema, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s, ok := k.schemas[ptr]; ok {
		return s, nil
	}
	s, err := k.compiler.Compile(docURL + "#" + ptr)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", ptr, err)
	}
	k.schemas[ptr] = s
	return s, nil
}

// closedRecord compiles coll's record schema closed: a field it does not list fails.
func (k *contract) closedRecord(coll string) (*jsonschema.Schema, error) {
	key := "closed:" + coll
	k.mu.Lock()
	defer k.mu.Unlock()
	if s, ok := k.schemas[key]; ok {
		return s, nil
	}
	name := apidoc.RecordSchemaName(coll)
	if _, ok := k.pointer("/components/schemas/" + name); !ok {
		return nil, fmt.Errorf("the document has no record schema %s for collection %q", name, coll)
	}
	url := "https://fieldsync.invalid/closed/" + coll + ".json"
	err := k.compiler.AddResource(url, map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$ref":    docURL + "#/components/schemas/" + name, "unevaluatedProperties": false,
	})
	if err != nil {
		return nil, err
	}
	s, err := k.compiler.Compile(url)
	if err != nil {
		return nil, err
	}
	k.schemas[key] = s
	return s, nil
}

// pointer returns the value at a JSON pointer of the document.
func (k *contract) pointer(ptr string) (any, bool) {
	var cur any = k.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func escapePtr(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

// follow resolves an OpenAPI $ref (a Response or Parameter object, not a schema) to the
// pointer of its target.
func (k *contract) follow(ptr string) (string, map[string]any, error) {
	for range 5 {
		v, ok := k.pointer(ptr)
		obj, isObj := v.(map[string]any)
		if !ok || !isObj {
			return "", nil, fmt.Errorf("nothing at %s", ptr)
		}
		ref, isRef := obj["$ref"].(string)
		if !isRef {
			return ptr, obj, nil
		}
		ptr = strings.TrimPrefix(ref, "#")
	}
	return "", nil, fmt.Errorf("$ref chain too long at %s", ptr)
}

func operationPtr(method, path string) string {
	return "/paths/" + escapePtr(path) + "/" + strings.ToLower(method)
}

// responseSchema returns the pointer of the schema the document gives the answer status of
// the operation method path (a path template such as /api/sync/v1/issues/{id}/resolve).
func (k *contract) responseSchema(method, path string, status int) (string, error) {
	op := operationPtr(method, path)
	if _, ok := k.pointer(op); !ok {
		return "", fmt.Errorf("the document has no operation %s %s", method, path)
	}
	ptr, _, err := k.follow(op + "/responses/" + strconv.Itoa(status))
	if err != nil {
		return "", fmt.Errorf("%s %s answered %d, a status the document does not list for it", method, path, status)
	}
	ptr += "/content/application~1json/schema"
	if _, ok := k.pointer(ptr); !ok {
		return "", fmt.Errorf("the document gives no application/json schema at %s", ptr)
	}
	return ptr, nil
}

// checkResponse returns why body, the answer status of method path, breaks the document, or
// nil. It records the answer as exercised. An answer the document gives no content must have
// no body; one it gives only non-JSON media (a photo's bytes) must have one of those types.
func (k *contract) checkResponse(method, path string, status int, contentType string, body []byte) error {
	if done, err := k.checkNonJSON(method, path, status, contentType, body); done || err != nil {
		return err
	}
	ptr, err := k.responseSchema(method, path, status)
	if err != nil {
		return fmt.Errorf("%w\nbody: %s", err, clip(body))
	}
	if !strings.HasPrefix(contentType, "application/json") {
		return fmt.Errorf("%s %s → %d: Content-Type %q, the document says application/json", method, path, status, contentType)
	}
	if err := k.validate(ptr, body); err != nil {
		return fmt.Errorf("%s %s → %d: the body does not match the document's schema %s:\n%v\nbody: %s",
			method, path, status, ptr, err, clip(body))
	}
	k.record(method, path, status)
	return nil
}

// checkNonJSON checks an answer the document describes without a JSON body; done is false
// for the others, which checkResponse validates against their schema.
func (k *contract) checkNonJSON(method, path string, status int, contentType string, body []byte) (done bool, err error) {
	_, resp, err := k.follow(operationPtr(method, path) + "/responses/" + strconv.Itoa(status))
	if err != nil {
		return false, nil // checkResponse reports it
	}
	content, has := resp["content"].(map[string]any)
	media, _, _ := strings.Cut(contentType, ";")
	if _, isJSON := content["application/json"]; has && isJSON && (media == "application/json" || len(content) == 1) {
		return false, nil // a JSON answer, or one the document says must be JSON
	}
	if !has {
		if len(body) > 0 {
			return true, fmt.Errorf("%s %s → %d: a body the document does not give: %s", method, path, status, clip(body))
		}
	} else {
		if _, ok := content[media]; !ok || len(body) == 0 {
			return true, fmt.Errorf("%s %s → %d: Content-Type %q with %d bytes, the document says one of %v",
				method, path, status, contentType, len(body), slices.Sorted(maps.Keys(content)))
		}
		if magic, ok := fileMagic[media]; ok && !bytes.HasPrefix(body, []byte(magic)) {
			return true, fmt.Errorf("%s %s → %d: a body that is no %s: %q…", method, path, status, media, clip(body[:min(len(body), 16)]))
		}
	}
	k.record(method, path, status)
	return true, nil
}

// fileMagic are the first bytes of the file types the document serves, so that an answer
// labelled as a file is one.
var fileMagic = map[string]string{
	"application/pdf": "%PDF-",
	"image/png":       "\x89PNG\r\n\x1a\n",
	"image/jpeg":      "\xff\xd8\xff",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "PK\x03\x04",
	"text/csv": "\ufeff", // a byte-order mark, so spreadsheet programs read the Chinese
}

func (k *contract) record(method, path string, status int) {
	k.mu.Lock()
	k.answers[fmt.Sprintf("%s %s %d", method, path, status)] = true
	k.mu.Unlock()
}

// checkRequest returns why body breaks the request schema of method path, or nil.
func (k *contract) checkRequest(method, path string, body []byte) error {
	ptr := operationPtr(method, path) + "/requestBody/content/application~1json/schema"
	if _, ok := k.pointer(ptr); !ok {
		return fmt.Errorf("the document has no request body for %s %s", method, path)
	}
	if err := k.validate(ptr, body); err != nil {
		return fmt.Errorf("the test's request to %s %s does not match the document's schema %s:\n%v\nbody: %s",
			method, path, ptr, err, clip(body))
	}
	return nil
}

// checkRecord returns why data, a record of coll, breaks coll's closed record schema.
func (k *contract) checkRecord(coll string, data any) error {
	s, err := k.closedRecord(coll)
	if err != nil {
		return err
	}
	js, err := json.Marshal(data)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return err
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("a record of %s does not match the document's %s "+
			"(\"false schema\" marks a field the schema does not list):\n%v\nrecord: %s",
			coll, apidoc.RecordSchemaName(coll), err, clip(js))
	}
	k.mu.Lock()
	k.records[coll] = true
	k.mu.Unlock()
	return nil
}

// checkCreate returns why data, the data of a create of coll the server applied, breaks
// coll's create schema: a field the server did without is listed as required.
func (k *contract) checkCreate(coll string, data map[string]any) error {
	ptr := "/components/schemas/" + apidoc.CreateSchemaName(coll)
	if _, ok := k.pointer(ptr); !ok {
		return fmt.Errorf("the server applied a create of %s, which the document has no %s for", coll, apidoc.CreateSchemaName(coll))
	}
	js, err := json.Marshal(data)
	if err != nil {
		return err
	}
	if err := k.validate(ptr, js); err != nil {
		return fmt.Errorf("an applied create of %s does not match %s:\n%v\ndata: %s", coll, ptr, err, clip(js))
	}
	return nil
}

func (k *contract) validate(ptr string, body []byte) error {
	s, err := k.schema(ptr)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(inst)
}

// documentedAnswers lists every "METHOD path status" the document promises.
func (k *contract) documentedAnswers() []string {
	var out []string
	paths, _ := k.doc["paths"].(map[string]any)
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for method, op := range ops {
			responses, _ := op.(map[string]any)["responses"].(map[string]any)
			for status := range responses {
				out = append(out, fmt.Sprintf("%s %s %s", strings.ToUpper(method), path, status))
			}
		}
	}
	slices.Sort(out)
	return out
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// TestContract_CatchesAMismatch shows the checker failing on answers that break the document,
// so a green conformance run means something.
func TestContract_CatchesAMismatch(t *testing.T) {
	k := theContract(t)
	bad := []struct {
		name   string
		status int
		body   string
	}{
		{"an undocumented field", 200, `{"scopes": {}, "server_time": 1}`},
		{"a checksum of the wrong form", 200, `{"scopes": {"ref": {"status": "ok", "cursor": 3, "has_more": false, "changes": [], "checksum": "12"}}}`},
		{"no checksum at the head", 200, `{"scopes": {"ref": {"status": "ok", "cursor": 3, "has_more": false, "changes": []}}}`},
		{"an unknown status", 200, `{"scopes": {"ref": {"status": "gone", "cursor": 0, "has_more": false, "changes": []}}}`},
		{"a put without data", 200, `{"scopes": {"ref": {"status": "ok", "cursor": 3, "has_more": true, "changes": [{"seq": 3, "coll": "agencies", "id": "abcdefghijklmno", "op": "put", "v": 1}]}}}`},
		{"a record with a wrong field", 200, `{"scopes": {"ref": {"status": "ok", "cursor": 3, "has_more": true, "changes": [{"seq": 3, "coll": "agencies", "id": "abcdefghijklmno", "op": "put", "v": 1, "data": {"id": "abcdefghijklmno", "code": "fire", "name_zh": "消防", "name_en": "Fire", "sort": 1, "created": "2018-05-02 09:00:00.000Z", "updated": "2018-05-02 09:00:00.000Z", "colour": "red"}}]}}}`},
		{"an error without a code", 400, `{"status": 400, "message": "no", "data": {}}`},
		{"an undocumented status", 418, `{}`},
	}
	for _, b := range bad {
		if err := k.checkResponse("POST", "/api/sync/v1/pull", b.status, "application/json", []byte(b.body)); err == nil {
			t.Errorf("%s passed the check", b.name)
		} else {
			t.Logf("%s fails as it should:\n%v", b.name, err)
		}
	}
}
