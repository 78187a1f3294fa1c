package sync_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// A push keeps, for the rest of its transaction, the verdicts of rules that read only the
// author and the values sent. Every verdict it gives must be PocketBase's own: for other
// values sent, for another user, and after the author's row changed in the transaction.
func TestPushVerdicts_EqualPocketBasesAndForgetWrittenAuthors(t *testing.T) {
	app := testkit.NewApp(t)
	verdict := sync.PushVerdicts(app)
	findings, err := app.FindCachedCollectionByNameOrId(schema.Findings)
	if err != nil {
		t.Fatal(err)
	}
	users, _ := app.FindCachedCollectionByNameOrId(schema.Users)
	if !sync.KeepsVerdict(app, users, *findings.CreateRule) {
		t.Fatalf("the findings' create rule is not kept: %s", *findings.CreateRule)
	}
	for _, rule := range []string{*findings.UpdateRule, `@request.body.status:changed = false`,
		`@request.auth.id != "" && created > @now`, `@request.body.place.subdistrict = "x"`} {
		if sync.KeepsVerdict(app, users, rule) {
			t.Errorf("a rule that reads the record or the moment is kept: %s", rule)
		}
	}
	err = app.RunInTransaction(func(tx core.App) error {
		f := testkit.Save(t, tx, schema.Findings, "verdictfinding1", map[string]any{
			"programme": "fire", "place": testkit.Side("venue", "a"), "subdistrict": testkit.SubdistrictA,
			"category": "fire.wiring", "severity": "general", "description": "楼道私拉电线"})
		check := func(step, user, sd string, rule *string, want bool) {
			t.Helper()
			auth, err := tx.FindRecordById(schema.Users, user)
			if err != nil {
				t.Fatal(err)
			}
			body := map[string]any{"subdistrict": sd, "description": "x"}
			info := &core.RequestInfo{Auth: auth, Body: body, Method: "POST", Context: "sync"}
			pb, err := tx.CanAccessRecord(f, info, rule)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second answer comes from the kept verdict
				got, err := verdict(tx, f, auth, body, rule)
				if err != nil || got != pb || got != want {
					t.Fatalf("%s: push says %v (%v), PocketBase %v, want %v", step, got, err, pb, want)
				}
			}
		}
		create, update := findings.CreateRule, findings.UpdateRule
		check("own subdistrict", testkit.InspectorA, testkit.SubdistrictA, create, true)
		check("other subdistrict sent", testkit.InspectorA, testkit.SubdistrictB, create, false)
		check("other user", testkit.InspectorB, testkit.SubdistrictA, create, false)
		check("rule reading the record", testkit.InspectorA, testkit.SubdistrictA, update, true)
		// The author moves to subdistrict B within the transaction: the kept verdicts go.
		u, err := tx.FindRecordById(schema.Users, testkit.InspectorA)
		if err != nil {
			t.Fatal(err)
		}
		u.Set("subdistricts", []string{testkit.SubdistrictB})
		access.AsSystem(u)
		if err := tx.Save(u); err != nil {
			t.Fatalf("move the author: %v", err)
		}
		check("after the author moved", testkit.InspectorA, testkit.SubdistrictA, create, false)
		check("after the author moved, new subdistrict", testkit.InspectorA, testkit.SubdistrictB, create, true)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
