// Package ruleguard keeps the API rules of fieldsync's collections as its migrations wrote
// them. The rules are half of the access design: the sync scopes restate them in Go
// (internal/sync/scope.go), and a test (internal/sameview) proves that both give every role the
// same records. A rule edited in the admin UI would make REST and sync disagree silently, so
// such edits are refused at the admin UI's doors, and at every start any rule that differs from
// the migrations' anyway (an edit by a JS hook, a JS migration or a hand-edited database) is
// put back and logged.
//
// The migrations' rules are rules.json, generated from a freshly migrated database by
// `go test ./internal/ruleguard -ruleguard.update`; a test fails when it is not current.
package ruleguard

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Rules are a collection's five API rules; nil is "superusers only", "" is "everyone".
type Rules struct {
	List   *string `json:"list"`
	View   *string `json:"view"`
	Create *string `json:"create"`
	Update *string `json:"update"`
	Delete *string `json:"delete"`
}

// Of returns c's rules.
func Of(c *core.Collection) Rules {
	return Rules{List: c.ListRule, View: c.ViewRule, Create: c.CreateRule, Update: c.UpdateRule, Delete: c.DeleteRule}
}

func (r Rules) apply(c *core.Collection) {
	c.ListRule, c.ViewRule, c.CreateRule, c.UpdateRule, c.DeleteRule = r.List, r.View, r.Create, r.Update, r.Delete
}

// Differences names the rules that differ between r and want ("list", "view", ...).
func (r Rules) Differences(want Rules) []string {
	var out []string
	for _, f := range []struct {
		name      string
		got, want *string
	}{{"list", r.List, want.List}, {"view", r.View, want.View}, {"create", r.Create, want.Create},
		{"update", r.Update, want.Update}, {"delete", r.Delete, want.Delete}} {
		if (f.got == nil) != (f.want == nil) || f.got != nil && *f.got != *f.want {
			out = append(out, f.name)
		}
	}
	return out
}

//go:embed rules.json
var canonicalJSON []byte

// Canonical returns the rules fieldsync's migrations give each of its collections.
func Canonical() map[string]Rules {
	var out map[string]Rules
	if err := json.Unmarshal(canonicalJSON, &out); err != nil {
		panic("ruleguard: rules.json: " + err.Error()) // embedded at build time: a broken file is a build defect
	}
	return out
}

// Snapshot returns the rules of every collection of app that is not PocketBase's own, by name.
func Snapshot(app core.App) (map[string]Rules, error) {
	colls, err := app.FindAllCollections()
	if err != nil {
		return nil, err
	}
	out := map[string]Rules{}
	for _, c := range colls {
		if !c.System {
			out[c.Name] = Of(c)
		}
	}
	return out, nil
}

// Register refuses rule edits at the admin UI's doors and restores the migrations' rules when
// the server starts.
func Register(app core.App) {
	canonical := Canonical()
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if _, err := Restore(se.App, canonical); err != nil {
			return err
		}
		return se.Next()
	})
	app.OnCollectionUpdateRequest().BindFunc(func(e *core.CollectionRequestEvent) error {
		if want, ok := canonical[e.Collection.Name]; ok {
			if diff := Of(e.Collection).Differences(want); len(diff) > 0 {
				return lockedError(diff)
			}
		}
		return e.Next()
	})
	app.OnCollectionsImportRequest().BindFunc(func(e *core.CollectionsImportRequestEvent) error {
		for _, data := range e.CollectionsData {
			name, _ := data["name"].(string)
			want, ok := canonical[name]
			if !ok {
				continue
			}
			raw, err := json.Marshal(data)
			if err != nil {
				return err
			}
			var got struct {
				List   *string `json:"listRule"`
				View   *string `json:"viewRule"`
				Create *string `json:"createRule"`
				Update *string `json:"updateRule"`
				Delete *string `json:"deleteRule"`
			}
			if err := json.Unmarshal(raw, &got); err != nil {
				return err
			}
			if diff := Rules(got).Differences(want); len(diff) > 0 {
				return lockedError(diff)
			}
		}
		return e.Next()
	})
}

// Restore gives every collection of canonical the rules it names, logging each rule it had to
// put back, and returns the collections it changed. A collection that is missing is an error:
// the server must not serve without it.
func Restore(app core.App, canonical map[string]Rules) ([]string, error) {
	var restored []string
	for _, name := range slices.Sorted(maps.Keys(canonical)) {
		want := canonical[name]
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return restored, fmt.Errorf("ruleguard: fieldsync's collection %q is missing (deleted outside its migrations?): %w", name, err)
		}
		diff := Of(c).Differences(want)
		if len(diff) == 0 {
			continue
		}
		want.apply(c)
		if err := app.Save(c); err != nil {
			return restored, fmt.Errorf("ruleguard: restore the API rules of %s: %w", name, err)
		}
		app.Logger().Error("API rules changed outside fieldsync's migrations were restored",
			"collection", name, "rules", strings.Join(diff, ","))
		restored = append(restored, name)
	}
	return restored, nil
}

var errLocked = validation.NewError("rules_locked",
	"该集合的访问规则由 fieldsync 的迁移定义，同步范围与之一致，不能在管理界面修改 / the API rules of this collection are fieldsync's access design, which its sync scopes follow; they cannot be changed here, only by a migration")

// lockedError refuses a change of the named rules, each as an error on its field ("listRule",
// ...), where the admin UI shows it.
func lockedError(rules []string) error {
	fields := validation.Errors{}
	for _, r := range rules {
		fields[r+"Rule"] = errLocked
	}
	return router.NewBadRequestError(errLocked.Message(), fields)
}
