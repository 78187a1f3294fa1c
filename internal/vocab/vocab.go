// Package vocab holds fieldsync's controlled vocabularies: every enumerated value the data model
// stores, with the Chinese and English names people read. Migrations build select fields from
// these lists and clients read them from GET /api/fs/vocab, so a value never exists in the
// database without a display name.
package vocab

import "slices"

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
