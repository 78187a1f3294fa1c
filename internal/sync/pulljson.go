package sync

import (
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/pocketbase/pocketbase/tools/types"
)

// A first download writes some 400,000 JSON values. Appending them to one buffer, with each
// collection's field names quoted once, costs half of what writing them token by token
// through jsontext's encoder did (which checks the syntax of every token). The output is the
// JSON the struct tags of PullResponse describe (TestPullJSON_EveryField checks that no field
// is left out), the values as REST writes them (TestPull_DataEqualsREST).

// jsonOptions are PocketBase's for e.JSON: stored text that is not valid UTF-8 is sent as
// REST sends it rather than failing the pull.
var jsonOptions = jsonv2.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// appendJSON appends the response, its scopes in order.
func (r *PullResponse) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"scopes":{`...)
	for i, sc := range slices.Sorted(maps.Keys(r.Scopes)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, string(sc))
		b = append(b, ':')
		var err error
		if b, err = r.Scopes[sc].appendJSON(b); err != nil {
			return nil, err
		}
	}
	return append(b, "}}"...), nil
}

func (sr *ScopeResponse) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"status":`...)
	b = appendString(b, sr.Status)
	b = append(b, `,"cursor":`...)
	b = strconv.AppendInt(b, sr.Cursor, 10)
	if sr.Floor != 0 {
		b = append(b, `,"floor":`...)
		b = strconv.AppendInt(b, sr.Floor, 10)
	}
	b = append(b, `,"has_more":`...)
	b = strconv.AppendBool(b, sr.HasMore)
	b = append(b, `,"changes":[`...)
	for i := range sr.Changes {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = sr.Changes[i].appendJSON(b); err != nil {
			return nil, err
		}
	}
	b = append(b, ']')
	if sr.Checksum != "" {
		b = append(b, `,"checksum":`...)
		b = appendString(b, sr.Checksum)
	}
	return append(b, '}'), nil
}

func (c *Change) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, c.Seq, 10)
	b = append(b, `,"coll":`...)
	b = appendString(b, c.Coll)
	b = append(b, `,"id":`...)
	b = appendString(b, c.ID)
	b = append(b, `,"op":`...)
	b = appendString(b, c.Op)
	b = append(b, `,"v":`...)
	b = strconv.AppendInt(b, c.V, 10)
	switch {
	case c.stored != nil:
		b = append(b, `,"data":`...)
		var err error
		if b, err = c.stored.appendJSON(b); err != nil {
			return nil, err
		}
	case c.Data != nil:
		b = append(b, `,"data":`...)
		var err error
		if b, err = appendMarshaled(b, c.Data); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func (r *storedRecord) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i := range r.fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r.keys[i]...)
		var err error
		if b, err = appendValue(b, r.values[i]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendValue writes the common prepared values directly and leaves the rest (JSON fields,
// geo points, fractions) to encoding/json/v2, as REST does.
func appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case float64:
		// Whole numbers below 2^53 print as integers in JSON's shortest form; the rest
		// (fractions, -0, huge values) take encoding/json/v2's rules.
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 && (v != 0 || !math.Signbit(v)) {
			return strconv.AppendInt(b, int64(v), 10), nil
		}
	case types.DateTime:
		return appendString(b, v.String()), nil
	case []string:
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']'), nil
	}
	return appendMarshaled(b, v)
}

func appendMarshaled(b []byte, v any) ([]byte, error) {
	raw, err := jsonv2.Marshal(v, jsonOptions)
	if err != nil {
		return nil, err
	}
	return append(b, raw...), nil
}

// appendString quotes s as encoding/json/v2 does, invalid UTF-8 replaced by U+FFFD (the
// error AppendQuote reports for it is the AllowInvalidUTF8 of jsonOptions).
func appendString(b []byte, s string) []byte {
	b, _ = jsontext.AppendQuote(b, s)
	return b
}
