package sync

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// The hand-written encoding of a pull answer writes every field its struct tags name, with
// the values encoding/json reads back.
func TestPullJSON_EveryField(t *testing.T) {
	want := &PullResponse{Scopes: map[Scope]*ScopeResponse{
		"sd:a": {Status: StatusAdded, Cursor: 42, Floor: 40, HasMore: true, Checksum: "00ff00ff00ff00ff",
			Changes: []Change{
				{Seq: 41, Coll: "places", ID: "p1", Op: opPut, V: 3, Data: map[string]any{
					"name": "小商店 \"甲\" <&>\u2028", "n": 1.5, "whole": 7.0, "ok": true, "tags": []any{"a", "b"}, "none": nil}},
				{Seq: 42, Coll: "places", ID: "p2", Op: "remove", V: 4},
			}},
		"ref": {Status: StatusOK, Cursor: 42, Changes: []Change{}},
	}}
	raw, err := want.appendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	var got PullResponse
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("read back:\n%+v\nwant:\n%+v\nfrom %s", got.Scopes, want.Scopes, raw)
	}
	var generic struct {
		Scopes map[string]map[string]any `json:"scopes"`
	}
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	sr := generic.Scopes["sd:a"]
	for _, name := range tagNames(reflect.TypeFor[ScopeResponse]()) {
		if _, ok := sr[name]; !ok {
			t.Errorf("scope answer lacks %q: %s", name, raw)
		}
	}
	change := sr["changes"].([]any)[0].(map[string]any)
	for _, name := range tagNames(reflect.TypeFor[Change]()) {
		if _, ok := change[name]; !ok {
			t.Errorf("change lacks %q: %s", name, raw)
		}
	}
}

// tagNames are the JSON names of the exported fields of t.
func tagNames(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "-" {
			out = append(out, name)
		}
	}
	return out
}
