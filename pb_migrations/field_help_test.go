package migrations_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/vocab"
)

// Every select field's help in the admin UI says in Chinese what its values mean, and its
// values still name its vocabulary for the OpenAPI document.
func TestFieldHelpInChinese(t *testing.T) {
	a := testkit.NewApp(t)
	colls, err := a.FindAllCollections()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range colls {
		for _, f := range c.Fields {
			s, ok := f.(*core.SelectField)
			if !ok {
				continue
			}
			n++
			e, ok := vocab.Matching(s.Values)
			if !ok || s.Help != e.Help() || strings.Contains(s.Help, "vocab:") {
				t.Errorf("%s.%s: help %q (vocabulary found: %v)", c.Name, s.Name, s.Help, ok)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d select fields checked", n)
	}
}

// A database whose fields still carry the first migrations' hints ("vocab:role") gets the
// Chinese help from the migration, and back the hints when it is reverted.
func TestFieldHelpMigration(t *testing.T) {
	a := testkit.NewApp(t)
	users, err := a.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	users.Fields.GetByName("role").(*core.SelectField).Help = "vocab:role"
	if err := a.Save(users); err != nil {
		t.Fatal(err)
	}
	var migration *core.Migration
	for _, m := range core.AppMigrations.Items() {
		if m.File == "1764400000_field_help.go" {
			migration = m
		}
	}
	if migration == nil {
		t.Fatal("migration 1764400000_field_help.go is not registered")
	}
	help := func() string {
		c, err := a.FindCollectionByNameOrId("users")
		if err != nil {
			t.Fatal(err)
		}
		return c.Fields.GetByName("role").(*core.SelectField).Help
	}
	if err := migration.Up(a); err != nil || help() != vocab.Role.Help() {
		t.Errorf("up: help %q (%v)", help(), err)
	}
	if err := migration.Down(a); err != nil || help() != "vocab:role" {
		t.Errorf("down: help %q (%v)", help(), err)
	}
}
