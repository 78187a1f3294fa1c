package apidoc_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// A mutation whose shape is wrong gets a stored rejected outcome, as the document says ("a
// rejection never stops the mutations after it"). An empty coll or an id longer than the sync
// issue's fields once made filing the rejection fail with a 500 that was never stored: the
// phone resent the same mid forever and every mutation queued after it was stuck.
func TestPush_MalformedMutationIsRejectedNotAServerError(t *testing.T) {
	k := theContract(t)
	srv := testkit.Serve(t, testkit.NewApp(t))
	p := newPhone(t, k, srv, testkit.InspectorA, "phone-bug-a")
	p.register()
	for _, m := range []string{
		`{"mid": 1, "op": "create", "coll": "", "id": "abcabcabcabcabc", "data": {}}`,
		`{"mid": 2, "op": "patch", "coll": "findings", "id": "` + strings.Repeat("a", 120) + `", "set": {"notes": "x"}}`,
	} {
		a := p.post("/api/sync/v1/push", `{"client_id": "phone-bug-a", "mutations": [`+m+`]}`)
		if a.Status != http.StatusOK || !strings.Contains(string(a.Body), `"outcome":"rejected"`) {
			t.Errorf("%s: %d %s, want a rejected outcome", m, a.Status, a.Body)
		}
	}
}

// A write refused by a schema rule names each field's code with a message in Chinese and
// English, at the sync push and over REST alike; a limit in the rule (a text's maximum) is
// filled into both languages.
func TestSchemaRefusal_BilingualAtEveryDoor(t *testing.T) {
	k := theContract(t)
	srv := testkit.Serve(t, testkit.NewApp(t))
	p := newPhone(t, k, srv, testkit.InspectorA, "phone-zh-en-a")
	p.register()
	place := func(id string, data map[string]any) sync.Mutation {
		return sync.Mutation{Op: sync.OpCreate, Coll: "places", ID: id, Data: data}
	}
	r := p.results(
		place("nokindplace0001", map[string]any{"name": "无类别小店", "subdistrict": testkit.SubdistrictA, "address": "海淀路 1 号"}),
		place("longnameplace01", map[string]any{"kind": "venue", "name": strings.Repeat("店", 6000),
			"subdistrict": testkit.SubdistrictA, "address": "海淀路 2 号"}))
	want := []struct{ field, code, message string }{
		{"kind", "validation_required", "kind: 不能为空 / cannot be blank"},
		{"name", "validation_max_text_constraint", "name: 不能超过 "},
	}
	for i, w := range want {
		if r[i].Outcome != sync.Rejected || r[i].Code != "validation_failed" || r[i].Fields[w.field] != w.code {
			t.Errorf("push %d: %+v, want %s refused with %s", i, r[i], w.field, w.code)
		}
		if !strings.HasPrefix(r[i].Message, w.message) || !hasLatinAndHan(r[i].Message) {
			t.Errorf("push %d: message %q, want it to start %q and hold both languages", i, r[i].Message, w.message)
		}
	}
	if !strings.Contains(r[1].Message, "个字符 / Must be no more than") {
		t.Errorf("the limit is not filled into both languages: %q", r[1].Message)
	}

	res := srv.Do(http.MethodPost, "/api/collections/places/records", srv.Token("users", testkit.InspectorA),
		map[string]any{"id": "nokindplace0002", "name": "无类别小店", "subdistrict": testkit.SubdistrictA, "address": "海淀路 3 号"})
	var body struct {
		Data map[string]struct{ Code, Message string }
	}
	if err := json.Unmarshal(res.Body, &body); err != nil || res.Status != http.StatusBadRequest {
		t.Fatalf("REST create without kind: %d %s", res.Status, res.Body)
	}
	if got := body.Data["kind"]; got.Code != "validation_required" || !strings.HasPrefix(got.Message, "不能为空 / cannot be blank") {
		t.Errorf("REST create without kind: kind is %+v", got)
	}
	// The push carries each refused field's message in REST's own words, so a phone shows the
	// same text whichever door refused the record.
	if got, want := r[0].Messages["kind"], body.Data["kind"].Message; got != want {
		t.Errorf("push's message for kind is %q, REST's %q", got, want)
	}
	if !hasLatinAndHan(r[1].Messages["name"]) {
		t.Errorf("push's message for name is %q, want both languages", r[1].Messages["name"])
	}
}

func hasLatinAndHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) &&
		strings.ContainsFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' })
}
