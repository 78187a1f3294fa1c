package ruleguard_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/ruleguard"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

var update = flag.Bool("ruleguard.update", false, "rewrite rules.json from a freshly migrated database")

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

// TestCanonical_IsWhatTheMigrationsWrite: rules.json is the rules of a freshly migrated
// database, so a migration that changes a rule must regenerate it.
func TestCanonical_IsWhatTheMigrationsWrite(t *testing.T) {
	a := testkit.NewApp(t)
	got, err := ruleguard.Snapshot(a)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep && and > readable in the file
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	if *update {
		if err := os.WriteFile("rules.json", raw, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("rules.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, want) {
		t.Fatal("rules.json is not the migrations' rules: run go test ./internal/ruleguard -ruleguard.update")
	}
	if len(ruleguard.Canonical()) < 20 {
		t.Fatalf("rules.json holds %d collections", len(ruleguard.Canonical()))
	}
}

// TestAdminUI_CannotEditRules: a district administrator changing a rule through the collections
// API (what the admin UI calls) or an import is refused, and the rule stays; other edits of the
// collection still pass.
func TestAdminUI_CannotEditRules(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	admin := s.Token(core.CollectionNameSuperusers, testkit.Superuser)
	before := ruleguard.Of(mustCollection(t, s.App, schema.Findings))

	res := s.Do(http.MethodPatch, "/api/collections/"+schema.Findings, admin, map[string]any{"listRule": ""})
	if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "rules_locked") ||
		!strings.Contains(string(res.Body), "listRule") {
		t.Fatalf("opening the findings to everyone: %d %s", res.Status, res.Body)
	}
	if diff := ruleguard.Of(mustCollection(t, s.App, schema.Findings)).Differences(before); len(diff) > 0 {
		t.Fatalf("rules %v changed after the refusal", diff)
	}

	// An edit that leaves the rules alone passes (the admin UI sends the rules back unchanged).
	c := mustCollection(t, s.App, schema.Subdistricts)
	res = s.Do(http.MethodPatch, "/api/collections/"+schema.Subdistricts, admin,
		map[string]any{"listRule": c.ListRule, "viewRule": c.ViewRule})
	if res.Status != http.StatusOK {
		t.Fatalf("an edit with the same rules: %d %s", res.Status, res.Body)
	}

	// An import carrying a changed rule is refused whole.
	coll := mustCollection(t, s.App, schema.Places)
	raw, _ := json.Marshal(coll)
	var data map[string]any
	json.Unmarshal(raw, &data)
	data["viewRule"] = ""
	res = s.Do(http.MethodPut, "/api/collections/import", admin, map[string]any{"collections": []any{data}})
	if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "rules_locked") {
		t.Fatalf("import with an open view rule: %d %s", res.Status, res.Body)
	}
	if got := mustCollection(t, s.App, schema.Places).ViewRule; got == nil || *got == "" {
		t.Fatalf("places' view rule is now %v", got)
	}
}

// TestStart_RestoresEditedRules: a rule changed behind the admin UI's back (a JS hook, a hand
// edit) is put back when the server starts.
func TestStart_RestoresEditedRules(t *testing.T) {
	a := testkit.NewApp(t)
	c := mustCollection(t, a, schema.Findings)
	want := ruleguard.Of(c)
	open := ""
	c.ListRule, c.ViewRule = &open, &open
	if err := a.Save(c); err != nil {
		t.Fatal(err)
	}
	restored, err := ruleguard.Restore(a, ruleguard.Canonical())
	if err != nil {
		t.Fatal(err)
	}
	if len(restored) != 1 || restored[0] != schema.Findings {
		t.Fatalf("restored %v", restored)
	}
	if diff := ruleguard.Of(mustCollection(t, a, schema.Findings)).Differences(want); len(diff) > 0 {
		t.Fatalf("rules %v not restored", diff)
	}

	// Through the server's start: an open rule saved before serving is closed again before the
	// first request, so an inspector of another subdistrict sees nothing through it.
	a2 := testkit.NewApp(t)
	c2 := mustCollection(t, a2, schema.Findings)
	c2.ListRule = &open
	if err := a2.Save(c2); err != nil {
		t.Fatal(err)
	}
	s := testkit.Serve(t, a2)
	if diff := ruleguard.Of(mustCollection(t, s.App, schema.Findings)).Differences(want); len(diff) > 0 {
		t.Fatalf("serving kept the edited rules %v", diff)
	}
}

func mustCollection(t *testing.T, a core.App, name string) *core.Collection {
	t.Helper()
	c, err := a.FindCollectionByNameOrId(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
