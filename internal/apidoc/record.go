package apidoc

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/smokealarm"
	"github.com/haidian/fieldsync/internal/vocab"
)

// recordSchema returns the JSON Schema of c's records as a pull delivers them (Change.data):
// every field REST shows, always present, with PocketBase's zero value when unset. It is left
// open; the places that use it close it with unevaluatedProperties, so that a schema can add
// to it (ResolvedIssue adds collectionId and collectionName).
func recordSchema(app core.App, c *core.Collection) (obj, error) {
	policy := access.Policies[c.Name]
	props := obj{}
	required := []string{}
	for _, f := range c.Fields {
		if f.GetHidden() {
			continue // PublicExport leaves hidden fields out (a user's password and token key)
		}
		fs, err := fieldSchema(app, f)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", c.Name, f.GetName(), err)
		}
		fs = append(fs, policyNotes(f, policy)...)
		props = append(props, kv{f.GetName(), fs})
		required = append(required, f.GetName())
	}
	return obj{
		{"title", c.Name},
		{"description", fmt.Sprintf("A record of `%s` as a pull delivers it in `Change.data`: every "+
			"field, always present, unset ones at their zero value. Generated from the migrations.", c.Name)},
		{"type", "object"},
		{"required", required},
		{"properties", props},
		{"x-fieldsync-collection", c.Name},
	}, nil
}

// CreateSchemaName is the name under components/schemas of the schema of a create of coll:
// "findings" → "FindingsCreate".
func CreateSchemaName(coll string) string {
	return strings.TrimSuffix(RecordSchemaName(coll), "Record") + "Create"
}

// createSchema returns the schema of the data a create mutation of c carries: required lists
// the fields a create must carry (CreateRequired); every field a phone may send is listed
// with its record schema. TestCreateRequired_MatchesTheServer holds the list to what the
// server's schema and hooks refuse.
func createSchema(c *core.Collection) obj {
	props := obj{}
	for _, f := range c.Fields {
		if f.GetHidden() || f.GetName() == core.FieldNameId || serverSet(c, f) {
			continue
		}
		props = append(props, kv{f.GetName(), obj{{"$ref", "#/components/schemas/" +
			RecordSchemaName(c.Name) + "/properties/" + f.GetName()}}})
	}
	return obj{
		{"title", c.Name + " (create)"},
		{"description", fmt.Sprintf("The `data` of a create mutation of `%s`: `required` lists the fields "+
			"a create must carry; fields the server sets (the author, autodates, owned fields at their "+
			"default) are not listed. Generated from the migrations and the access policies.", c.Name)},
		{"type", "object"},
		{"required", CreateRequired(c)},
		{"properties", props},
		{"x-fieldsync-collection", c.Name},
	}
}

// CreateRequired lists, in field order, the fields a create of c must carry: those the schema
// requires (a value that is not the zero value), less the ones the server sets itself.
func CreateRequired(c *core.Collection) []string {
	out := []string{}
	for _, f := range c.Fields {
		if f.GetHidden() || f.GetName() == core.FieldNameId || serverSet(c, f) || !requiredField(f) {
			continue
		}
		out = append(out, f.GetName())
	}
	return out
}

// serverSet reports whether the server fills f on create, whatever the phone sends.
func serverSet(c *core.Collection, f core.Field) bool {
	p := access.Policies[c.Name]
	if f.GetName() == p.Author {
		return true
	}
	if owner, ok := p.Owned[f.GetName()]; ok && owner.Default != nil {
		return true
	}
	switch f := f.(type) {
	case *core.AutodateField:
		return true
	case *core.TextField:
		return f.AutogeneratePattern != ""
	}
	return slices.Contains(derivedOnCreate[c.Name], f.GetName())
}

// derivedOnCreate are fields a hook computes on create from other records, ignoring what a
// client sends: an install's household facts are the household's on the day of the install.
var derivedOnCreate = map[string][]string{
	schema.AlarmInstalls: smokealarm.DerivedOnCreate,
}

// requiredField reports whether PocketBase refuses f's zero value.
func requiredField(f core.Field) bool {
	switch f := f.(type) {
	case *core.TextField:
		return f.Required
	case *core.EmailField:
		return f.Required
	case *core.URLField:
		return f.Required
	case *core.EditorField:
		return f.Required
	case *core.BoolField:
		return f.Required
	case *core.NumberField:
		return f.Required
	case *core.DateField:
		return f.Required
	case *core.SelectField:
		return f.Required
	case *core.RelationField:
		return f.Required || f.MinSelect > 0
	case *core.FileField:
		return f.Required
	case *core.GeoPointField:
		return f.Required
	case *core.JSONField:
		return f.Required
	}
	return false
}

// fieldSchema maps one PocketBase field to the JSON value PublicExport gives it. A field type
// it does not know is an error, so a new kind of field cannot slip into the contract unshaped.
func fieldSchema(app core.App, f core.Field) (obj, error) {
	switch f := f.(type) {
	case *core.TextField:
		return textSchema(f), nil
	case *core.EmailField:
		return stringWithFormat("email", f.Required), nil
	case *core.URLField:
		return stringWithFormat("uri", f.Required), nil
	case *core.EditorField:
		return obj{{"type", "string"}, {"description", "HTML."}}, nil
	case *core.BoolField:
		return obj{{"type", "boolean"}}, nil
	case *core.NumberField:
		return numberSchema(f), nil
	case *core.DateField:
		if !f.Min.IsZero() || !f.Max.IsZero() {
			return nil, fmt.Errorf("date bounds are not mapped yet")
		}
		return dateSchema(f.Required, "A date-time in UTC"), nil
	case *core.AutodateField:
		return append(dateSchema(true, "Set by the server"), kv{"readOnly", true}), nil
	case *core.SelectField:
		return selectSchema(f), nil
	case *core.RelationField:
		return relationSchema(app, f)
	case *core.FileField:
		return fileSchema(f), nil
	case *core.GeoPointField:
		return geoSchema(), nil
	case *core.JSONField:
		return obj{{"description", fmt.Sprintf("Any JSON value, `null` when unset; at most %d bytes.", f.MaxSize)}}, nil
	}
	return nil, fmt.Errorf("field type %q has no JSON Schema mapping", f.Type())
}

// textSchema: PocketBase checks Min and Pattern only on non-empty values and counts runes, as
// JSON Schema's maxLength does; an unset Max means 5000.
func textSchema(f *core.TextField) obj {
	s := obj{{"type", "string"}}
	if f.Required || f.PrimaryKey {
		s = append(s, kv{"minLength", max(f.Min, 1)})
	}
	limit := f.Max
	if limit == 0 {
		limit = 5000
	}
	s = append(s, kv{"maxLength", limit})
	if f.Pattern != "" {
		p := f.Pattern
		if !f.Required && !f.PrimaryKey && !regexp.MustCompile(p).MatchString("") {
			p = "^$|" + p
		}
		s = append(s, kv{"pattern", p})
	}
	if f.PrimaryKey {
		s = append(s, kv{"description", "The record id. Apps make the ids of the records they create."})
	}
	return s
}

func stringWithFormat(format string, required bool) obj {
	s := obj{{"type", "string"}, {"format", format}}
	if required {
		return append(s, kv{"minLength", 1})
	}
	return append(s, kv{"description", "`\"\"` when unset."})
}

// numberSchema: PocketBase always accepts 0 for an optional number, whatever its bounds, and
// refuses 0 for a required one.
func numberSchema(f *core.NumberField) obj {
	typ := "number"
	if f.OnlyInt {
		typ = "integer"
	}
	s := obj{{"type", typ}}
	bounds := obj{}
	if f.Min != nil {
		bounds = append(bounds, kv{"minimum", plainNumber(*f.Min)})
	}
	if f.Max != nil {
		bounds = append(bounds, kv{"maximum", plainNumber(*f.Max)})
	}
	zeroInBounds := (f.Min == nil || *f.Min <= 0) && (f.Max == nil || *f.Max >= 0)
	switch {
	case f.Required:
		s = append(s, bounds...)
		if zeroInBounds {
			s = append(s, kv{"not", obj{{"const", 0}}})
		}
	case zeroInBounds:
		s = append(s, bounds...)
	default:
		s = append(s, kv{"anyOf", []any{obj{{"const", 0}}, bounds}},
			kv{"description", "`0` when unset."})
	}
	return s
}

// plainNumber writes whole numbers as integers, so the YAML reads 100000000, not 1e+08.
func plainNumber(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f)
	}
	return f
}

// dateSchema: PocketBase's DateTime renders as "2006-01-02 15:04:05.000Z", or "" when zero. It
// is not RFC 3339 (a space, not a T), so it gets a pattern rather than format: date-time.
func dateSchema(required bool, what string) obj {
	const p = `^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$`
	if required {
		return obj{{"type", "string"}, {"pattern", p}, {"description", what + ", `YYYY-MM-DD HH:MM:SS.sssZ`."}}
	}
	return obj{{"type", "string"}, {"pattern", "^$|" + p},
		{"description", what + ", `YYYY-MM-DD HH:MM:SS.sssZ`; `\"\"` when unset."}}
}

func selectSchema(f *core.SelectField) obj {
	var s obj
	if f.IsMultiple() {
		items := obj{{"type", "string"}, {"enum", f.Values}}
		s = obj{{"type", "array"}, {"items", items}, {"uniqueItems", true}, {"maxItems", f.MaxSelect}}
		if f.Required {
			s = append(s, kv{"minItems", 1})
		}
	} else {
		values := slices.Clone(f.Values)
		if !f.Required {
			values = append([]string{""}, values...)
		}
		s = obj{{"type", "string"}, {"enum", values}}
		if !f.Required {
			s = append(s, kv{"description", "`\"\"` when unset."})
		}
	}
	if e, ok := vocab.Matching(f.Values); ok {
		s = append(s, kv{"x-fieldsync-vocab", e.Name})
	}
	return s
}

func relationSchema(app core.App, f *core.RelationField) (obj, error) {
	target, err := app.FindCachedCollectionByNameOrId(f.CollectionId)
	if err != nil {
		return nil, fmt.Errorf("relation target %s: %w", f.CollectionId, err)
	}
	id := idPattern(target)
	var s obj
	if f.IsMultiple() {
		s = obj{{"type", "array"}, {"items", obj{{"type", "string"}, {"pattern", id}}},
			{"uniqueItems", true}, {"maxItems", f.MaxSelect}}
		if n := max(f.MinSelect, boolInt(f.Required)); n > 0 {
			s = append(s, kv{"minItems", n})
		}
		s = append(s, kv{"description", fmt.Sprintf("Ids of records of `%s`.", target.Name)})
	} else if f.Required {
		s = obj{{"type", "string"}, {"pattern", id}, {"description", fmt.Sprintf("The id of a record of `%s`.", target.Name)}}
	} else {
		s = obj{{"type", "string"}, {"pattern", "^$|" + id},
			{"description", fmt.Sprintf("The id of a record of `%s`; `\"\"` when unset.", target.Name)}}
	}
	return append(s, kv{"x-fieldsync-relation", target.Name}), nil
}

// idPattern is the pattern of c's record ids, from its primary key field.
func idPattern(c *core.Collection) string {
	pk, ok := c.Fields.GetByName(core.FieldNameId).(*core.TextField)
	if !ok || pk.Pattern != "^[a-z0-9]+$" || pk.Min != pk.Max {
		return "^[a-z0-9]+$"
	}
	return fmt.Sprintf("^[a-z0-9]{%d}$", pk.Min)
}

func fileSchema(f *core.FileField) obj {
	note := "The stored file name, served by PocketBase's file API"
	if f.Protected {
		note += " with a file token"
	}
	if f.IsMultiple() {
		return obj{{"type", "array"}, {"items", obj{{"type", "string"}}}, {"maxItems", f.MaxSelect},
			{"description", note + "."}}
	}
	return obj{{"type", "string"}, {"description", note + "; `\"\"` when none."}}
}

func geoSchema() obj {
	return obj{
		{"type", "object"},
		{"additionalProperties", false},
		{"required", []string{"lon", "lat"}},
		{"properties", obj{
			{"lon", obj{{"type", "number"}, {"minimum", -180}, {"maximum", 180}}},
			{"lat", obj{{"type", "number"}, {"minimum", -90}, {"maximum", 90}}},
		}},
		{"description", "A point; `{\"lon\": 0, \"lat\": 0}` when unset."},
	}
}

// policyNotes annotates a field with the ownership rules internal/access enforces on every
// write, so a phone knows which fields it may send.
func policyNotes(f core.Field, p access.Policy) obj {
	name := f.GetName()
	var out obj
	switch {
	case name == p.Author:
		out = append(out, kv{"readOnly", true}, kv{"x-fieldsync-set-by", "server: the creating user"})
	case slices.Contains(p.Immutable, name), p.Scoped && name == schema.FieldSubdistrict:
		out = append(out, kv{"x-fieldsync-immutable", true})
	}
	if owner, ok := p.Owned[name]; ok {
		roles := make([]string, len(owner.Roles))
		for i, r := range owner.Roles {
			roles[i] = string(r)
		}
		out = append(out, kv{"x-fieldsync-writers", roles})
		if owner.Default != nil {
			out = append(out, kv{"x-fieldsync-default", owner.Default})
		}
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
