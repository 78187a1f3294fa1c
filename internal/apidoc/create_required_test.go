package apidoc_test

import (
	"errors"
	"testing"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/apidoc"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// TestCreateRequired_MatchesTheServer holds each synced collection's create schema to what the
// server's schema and hooks do, so the list cannot drift: a fixture record copied with only
// the listed fields (and the fields the server sets) saves; the same copy without any one
// listed field is refused on that field. The saves go through app.Save, so every validate
// and create hook runs; the test saves as server code because who may create is not at stake
// here, and rolls each save back.
func TestCreateRequired_MatchesTheServer(t *testing.T) {
	k := theContract(t)
	app := testkit.NewApp(t)
	for _, name := range sync.SyncedCollections() {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			t.Fatal(err)
		}
		documented, listed := k.pointer("/components/schemas/" + apidoc.CreateSchemaName(name) + "/required")
		if c.CreateRule == nil {
			if listed {
				t.Errorf("%s: only district administrators create it, yet the document has %s", name, apidoc.CreateSchemaName(name))
			}
			continue
		}
		required := apidoc.CreateRequired(c)
		if !sameStrings(documented, required) {
			t.Errorf("%s: the document says a create requires %v, the server %v: run go run ./cmd/apidocgen",
				name, documented, required)
		}
		fixture, err := app.FindFirstRecordByFilter(c, "")
		if err != nil {
			t.Errorf("%s: no fixture record to copy: %v", name, err)
			continue
		}
		keep := map[string]bool{}
		for _, f := range required {
			keep[f] = true
		}
		for _, f := range c.Fields {
			if serverFilled(c, f) {
				keep[f.GetName()] = true
			}
		}
		if err := trySave(app, c, fixture, keep); refused(err) {
			t.Errorf("%s: a create with only %v is refused: %v", name, required, err)
		}
		for _, f := range required {
			delete(keep, f)
			err := trySave(app, c, fixture, keep)
			keep[f] = true
			if !refused(err) {
				t.Errorf("%s: a create without %s is not refused: %v", name, f, err)
			}
		}
	}
}

// serverFilled: the fields the server fills on a phone's create; the test fills them from the
// fixture, as a save by server code does not.
func serverFilled(c *core.Collection, f core.Field) bool {
	p := access.Policies[c.Name]
	if f.GetName() == p.Author {
		return true
	}
	owner, ok := p.Owned[f.GetName()]
	return ok && owner.Default != nil
}

// refused reports whether err is a refusal of the record's content: any error but a copied
// value's clash with a unique index, which PocketBase checks only after every validate and
// create hook has let the record through.
func refused(err error) bool {
	var errs validation.Errors
	if err == nil {
		return false
	}
	if !errors.As(err, &errs) {
		return true
	}
	for _, e := range errs {
		var ve validation.Error
		if !errors.As(e, &ve) || ve.Code() != "validation_not_unique" {
			return true
		}
	}
	return false
}

// errRollback undoes a trial save that succeeded.
var errRollback = errors.New("rollback")

// trySave saves a new record of c with fixture's values of the fields in keep, and undoes it.
func trySave(app core.App, c *core.Collection, fixture *core.Record, keep map[string]bool) error {
	err := app.RunInTransaction(func(tx core.App) error {
		r := core.NewRecord(c)
		for name := range keep {
			r.Set(name, fixture.Get(name))
		}
		access.AsSystem(r)
		if err := tx.Save(r); err != nil {
			return err
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}

func sameStrings(doc any, want []string) bool {
	list, ok := doc.([]any)
	if !ok || len(list) != len(want) {
		return false
	}
	for i, v := range list {
		if v != want[i] {
			return false
		}
	}
	return true
}
