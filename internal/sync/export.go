package sync

import (
	"database/sql"
	"encoding/json"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"fmt"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// storedRecord is one record of a pull: each field REST shows, with its value prepared as
// PocketBase prepares it. It encodes itself as the JSON REST shows, field by field, without
// building a core.Record and a map for each of the thousands of records of a first download,
// which cost a pull as much as reading them.
type storedRecord struct {
	fields []core.Field // shared by the records of one query
	keys   [][]byte     // each field's name, quoted, with its colon: shared too
	values []any
}

// exportedFields are the fields of c that REST shows a record's reader: not hidden, and for
// a user's own profile everything but the password hash and token key (the email included,
// which REST shows its owner).
func exportedFields(c *core.Collection) []core.Field {
	out := make([]core.Field, 0, len(c.Fields))
	for _, f := range c.Fields {
		name := f.GetName()
		if f.GetHidden() || c.IsAuth() && (name == core.FieldNamePassword || name == core.FieldNameTokenKey) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// loadRecords reads the records of coll with the given ids into into, keyed "coll/id". The
// ids travel as one JSON array parameter, so the statement's text is the same for every page
// and stays prepared, where an IN list of thousands of placeholders would be parsed anew.
func (s *Service) loadRecords(tx *dbx.Tx, coll string, ids []string, into map[string]*storedRecord) error {
	c, err := s.app.FindCachedCollectionByNameOrId(coll)
	if err != nil {
		return fmt.Errorf("pull: collection %s: %w", coll, err)
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("pull: ids: %w", err)
	}
	rows, err := tx.Select("*").From(coll).
		Where(dbx.NewExp("id IN (SELECT value FROM json_each({:ids}))", dbx.Params{"ids": string(list)})).
		Build().Rows()
	if err != nil {
		return fmt.Errorf("pull: load %s: %w", coll, err)
	}
	defer rows.Close()
	if err := scanRecords(rows.Rows, c, func(id string, r *storedRecord) { into[coll+"/"+id] = r }); err != nil {
		return fmt.Errorf("pull: load %s: %w", coll, err)
	}
	return nil
}

// scanRecords prepares every row of rows, a SELECT * of c, as REST would show it.
func scanRecords(rows *sql.Rows, c *core.Collection, each func(id string, r *storedRecord)) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	fields := exportedFields(c)
	colOf := make([]int, len(fields))
	idCol := -1
	for i, f := range fields {
		colOf[i] = -1
		for j, name := range cols {
			if name == f.GetName() {
				colOf[i] = j
			}
		}
	}
	for j, name := range cols {
		if name == core.FieldNameId {
			idCol = j
		}
	}
	if idCol < 0 {
		return fmt.Errorf("no id column")
	}
	raw := make([]sql.NullString, len(cols))
	dest := make([]any, len(cols))
	for j := range raw {
		dest[j] = &raw[j]
	}
	fast := make([]func(string) bool, len(fields))
	for i, f := range fields {
		fast[i] = storedAsShown(f)
	}
	keys := make([][]byte, len(fields))
	for i, f := range fields {
		keys[i], _ = jsontext.AppendQuote(nil, f.GetName())
		keys[i] = append(keys[i], ':')
	}
	scratch := core.NewRecord(c)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		r := &storedRecord{fields: fields, keys: keys, values: make([]any, len(fields))}
		for i, f := range fields {
			var v any
			if j := colOf[i]; j >= 0 && raw[j].Valid {
				if fast[i] != nil && fast[i](raw[j].String) {
					r.values[i] = raw[j].String
					continue
				}
				v = raw[j].String
			}
			if r.values[i], err = f.PrepareValue(scratch, v); err != nil {
				return fmt.Errorf("field %s: %w", f.GetName(), err)
			}
		}
		each(raw[idCol].String, r)
	}
	return rows.Err()
}

// storedAsShown returns, for the fields whose stored text REST often shows unchanged, the test
// of whether it does; nil for the others. Dates in PocketBase's layout and single relations
// and selects (an id or a value, not a JSON list) are most of a record's fields: parsing and
// formatting them again, as PrepareValue does, cost a first download 12% of its time.
func storedAsShown(f core.Field) func(string) bool {
	switch f := f.(type) {
	case *core.DateField, *core.AutodateField:
		return canonicalDate
	case *core.RelationField:
		if !f.IsMultiple() {
			return singleValue
		}
	case *core.SelectField:
		if !f.IsMultiple() {
			return singleValue
		}
	}
	return nil
}

// singleValue reports whether a single relation or select prepares s as s: PocketBase reads
// text holding a "[" as a JSON list, and any other text as the one value it is.
func singleValue(s string) bool { return !strings.Contains(s, "[") }

// canonicalDate reports whether s is a date PocketBase's DateTime prints unchanged: a valid
// UTC time in its layout, 2006-01-02 15:04:05.000Z, from year 1000 on (the zero time of year
// 1 prints as ""). Anything else goes through the field's PrepareValue.
func canonicalDate(s string) bool {
	const layout = "dddd-dd-dd dd:dd:dd.dddZ"
	if len(s) != len(layout) || s[0] == '0' {
		return false
	}
	for i := range len(layout) {
		if layout[i] == 'd' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != layout[i] {
			return false
		}
	}
	num := func(from, to int) int {
		n := 0
		for _, c := range s[from:to] {
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	if month < 1 || month > 12 || day < 1 || num(11, 13) > 23 || num(14, 16) > 59 || num(17, 19) > 59 {
		return false
	}
	// The day after the last of the month is the first of the next.
	return day <= time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// MarshalJSONTo writes the change, its record's fields straight from the stored values.
func (c Change) MarshalJSONTo(enc *jsontext.Encoder) error {
	b, err := c.appendJSON(nil)
	if err != nil {
		return err
	}
	return enc.WriteValue(b)
}

// MarshalJSON is MarshalJSONTo for encoders that know only the first JSON API.
func (c Change) MarshalJSON() ([]byte, error) { return jsonv2.Marshal(c) }
