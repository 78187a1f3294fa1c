// Package vocab holds fieldsync's controlled vocabularies: every enumerated value the data model
// stores, with the Chinese and English names people read. Migrations build select fields from
// these lists and clients read them from GET /api/fs/vocab, so a value never exists in the
// database without a display name.
package vocab

import (
	"fmt"
	"slices"
)

// Term is one value of an enumeration with its display names.
type Term struct {
	Value string `json:"value"`
	ZH    string `json:"zh"`
	EN    string `json:"en"`
}

// Enum is a named, ordered list of terms.
type Enum struct {
	Name  string `json:"name"`
	Terms []Term `json:"terms"`
}

// Values returns the stored values of e, in order.
func (e Enum) Values() []string {
	out := make([]string, len(e.Terms))
	for i, t := range e.Terms {
		out[i] = t.Value
	}
	return out
}

// Has reports whether v is one of e's values.
func (e Enum) Has(v string) bool {
	return slices.ContainsFunc(e.Terms, func(t Term) bool { return t.Value == v })
}

// Label returns the display names of v, or false if v is not a value of e.
func (e Enum) Label(v string) (Term, bool) {
	for _, t := range e.Terms {
		if t.Value == v {
			return t, true
		}
	}
	return Term{}, false
}

// Sub returns the terms of e whose values are listed, in e's order. It panics on an unknown
// value, because sub-lists are declared at init time and a typo there is a programming error.
func (e Enum) Sub(name string, values ...string) Enum {
	out := Enum{Name: name}
	for _, v := range values {
		t, ok := e.Label(v)
		if !ok {
			panic("vocab: " + e.Name + " has no value " + v)
		}
		out.Terms = append(out.Terms, t)
	}
	return out
}

var registry []Enum

func define(name string, terms ...Term) Enum {
	e := Enum{Name: name, Terms: terms}
	registry = append(registry, e)
	return e
}

// All returns every enumeration, in declaration order.
func All() []Enum { return slices.Clone(registry) }

// maxHelp is the length PocketBase allows a field's help text, in bytes.
const maxHelp = 300

// Help is the admin UI's help text for a field holding e's values: each value's Chinese name
// with the value stored, as many as fit in PocketBase's 300-byte help, then how many are left.
// The admin UI shows the stored values in its pickers and filters; this tells what they mean.
func (e Enum) Help() string {
	out := "可选："
	for i, t := range e.Terms {
		item := t.ZH + " " + t.Value
		if i > 0 {
			item = "、" + item
		}
		rest := fmt.Sprintf("…等共 %d 项", len(e.Terms))
		room := maxHelp
		if i < len(e.Terms)-1 {
			room -= len(rest) // a term not the last leaves room to say more follow
		}
		if len(out)+len(item) > room {
			return out + rest
		}
		out += item
	}
	return out
}

// Matching returns the enumeration whose values are exactly values, in order: the one a select
// field was built from. No two enumerations have the same values (a test says so), so the
// field's values name it without a marker in the field.
func Matching(values []string) (Enum, bool) {
	for _, e := range registry {
		if slices.Equal(e.Values(), values) {
			return e, true
		}
	}
	return Enum{}, false
}

// Named returns the enumeration called name.
func Named(name string) (Enum, bool) {
	for _, e := range registry {
		if e.Name == name {
			return e, true
		}
	}
	return Enum{}, false
}
