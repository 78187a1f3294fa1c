// Package migrations holds fieldsync's schema as Go migrations: collections, fields, indexes,
// API rules and reference data. PocketBase applies them on start, in file-name order, each in
// one transaction, and records which ran so a restart applies nothing twice.
package migrations

import (
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// The field builders below keep the collection definitions short. Every text field has an
// explicit maximum so oversize input is a validation error, not a stored surprise.

func text(name string, required bool, max int) *core.TextField {
	return &core.TextField{Name: name, Required: required, Max: max}
}

func pattern(name string, required bool, max int, re string) *core.TextField {
	return &core.TextField{Name: name, Required: required, Max: max, Pattern: re}
}

// sel and multiSel build select fields of a vocabulary, whose help text in the admin UI says
// in Chinese what each value means. The OpenAPI document finds the vocabulary by the values
// (vocab.Matching).
func sel(name string, e vocab.Enum, required bool) *core.SelectField {
	return &core.SelectField{Name: name, Values: e.Values(), MaxSelect: 1, Required: required, Help: e.Help()}
}

func multiSel(name string, e vocab.Enum) *core.SelectField {
	return &core.SelectField{Name: name, Values: e.Values(), MaxSelect: len(e.Terms), Help: e.Help()}
}

func rel(name, target string, required bool) *core.RelationField {
	return &core.RelationField{Name: name, CollectionId: schema.CollectionID(target),
		MaxSelect: 1, Required: required}
}

func multiRel(name, target string, max int) *core.RelationField {
	return &core.RelationField{Name: name, CollectionId: schema.CollectionID(target), MaxSelect: max}
}

func count(name string) *core.NumberField {
	return &core.NumberField{Name: name, OnlyInt: true, Min: types.Pointer(0.0)}
}

func number(name string, required bool, min, max float64) *core.NumberField {
	return &core.NumberField{Name: name, Required: required, Min: &min, Max: &max}
}

func flag(name string) *core.BoolField { return &core.BoolField{Name: name} }

func date(name string, required bool) *core.DateField {
	return &core.DateField{Name: name, Required: required}
}

func geo(name string) *core.GeoPointField { return &core.GeoPointField{Name: name} }

func jsonField(name string, maxSize int64) *core.JSONField {
	return &core.JSONField{Name: name, MaxSize: maxSize}
}

func timestamps() []core.Field {
	return []core.Field{
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	}
}

// spec is one collection's definition. Rules are applied in a second pass, after every
// collection exists, because a rule may follow a back-relation to a later collection.
type spec struct {
	name    string
	fields  []core.Field
	unique  [][]string // unique indexes, each a list of columns
	indexes [][]string // plain indexes beyond the automatic one per relation field
	rules   access.Rules
}

// build creates the collection of s with its fields and indexes, without rules. Every
// single relation field gets an index: they are the foreign keys the rules and the sync
// scopes filter on.
func (s spec) build() *core.Collection {
	c := core.NewBaseCollection(s.name, schema.CollectionID(s.name))
	for _, f := range s.fields {
		c.Fields.Add(f)
		if r, ok := f.(*core.RelationField); ok && r.MaxSelect == 1 {
			c.AddIndex(indexName(s.name, r.Name), false, quoted(r.Name), "")
		}
	}
	for _, f := range timestamps() {
		c.Fields.Add(f)
	}
	for _, cols := range s.unique {
		c.AddIndex(indexName(s.name, cols...)+"_unique", true, quoted(cols...), "")
	}
	for _, cols := range s.indexes {
		c.AddIndex(indexName(s.name, cols...), false, quoted(cols...), "")
	}
	return c
}

func (s spec) apply(c *core.Collection) {
	c.ListRule = s.rules.List
	c.ViewRule = s.rules.View
	c.CreateRule = s.rules.Create
	c.UpdateRule = s.rules.Update
	c.DeleteRule = s.rules.Delete
}

func indexName(coll string, cols ...string) string {
	return fmt.Sprintf("idx_%s_%s", coll, strings.Join(cols, "_"))
}

func quoted(cols ...string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = "`" + c + "`"
	}
	return strings.Join(q, ",")
}

// createAll saves every collection of specs, runs between (to change collections that the new
// ones relate to), then applies the rules of specs.
func createAll(app core.App, specs []spec, between func(core.App) error) error {
	for _, s := range specs {
		if err := app.Save(s.build()); err != nil {
			return fmt.Errorf("create %s: %w", s.name, err)
		}
	}
	if between != nil {
		if err := between(app); err != nil {
			return err
		}
	}
	for _, s := range specs {
		c, err := app.FindCollectionByNameOrId(s.name)
		if err != nil {
			return fmt.Errorf("find %s: %w", s.name, err)
		}
		s.apply(c)
		if err := app.Save(c); err != nil {
			return fmt.Errorf("rules of %s: %w", s.name, err)
		}
	}
	return nil
}

// deleteAll drops the collections of specs in reverse order.
func deleteAll(app core.App, specs []spec) error {
	for i := len(specs) - 1; i >= 0; i-- {
		c, err := app.FindCollectionByNameOrId(specs[i].name)
		if err != nil {
			continue
		}
		if err := app.Delete(c); err != nil {
			return fmt.Errorf("delete %s: %w", specs[i].name, err)
		}
	}
	return nil
}

// addFields adds fields to existing collections, by collection name.
func addFields(app core.App, byColl map[string][]core.Field) error {
	return editFields(app, byColl, func(c *core.Collection, f core.Field) { c.Fields.Add(f) })
}

// removeFields takes back what addFields added, for a migration's down step.
func removeFields(app core.App, byColl map[string][]core.Field) error {
	return editFields(app, byColl, func(c *core.Collection, f core.Field) { c.Fields.RemoveByName(f.GetName()) })
}

func editFields(app core.App, byColl map[string][]core.Field, edit func(*core.Collection, core.Field)) error {
	for name, fields := range byColl {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return err
		}
		for _, f := range fields {
			edit(c, f)
		}
		if err := app.Save(c); err != nil {
			return err
		}
	}
	return nil
}
