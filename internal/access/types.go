package access

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// CheckTypes refuses values of data that a field of c would silently coerce instead of
// storing: PocketBase turns "many" into 0 for a number, "yes" into false for a bool, an
// unparsable date or geo point into an empty one, and keeps the last item of a list given to a
// single select or relation. That happens as a value is set, before any model hook can see it,
// so the doors that decode bodies must check them first: the request hooks do for REST and
// batch, and any other door that loads client data into records should call this too.
//
// Keys may carry PocketBase's modifiers ("photos+", "+photos", "photos-", "members+"). Null
// clears any field. Strings holding a number or a boolean are accepted, and so are numbers and
// booleans for text, because multipart forms infer those types from strings. Keys that name no
// field are left to PocketBase, which ignores them.
func CheckTypes(c *core.Collection, data map[string]any) error {
	errs := validation.Errors{}
	for key, v := range data {
		name := strings.TrimPrefix(strings.TrimRight(key, "+-"), "+")
		f := c.Fields.GetByName(name)
		if f == nil || v == nil {
			continue
		}
		if kind, ok := typeOK(f, v, name != key); !ok {
			errs[key] = validation.NewError("wrong_type", "字段值类型错误, 应为"+kind.zh+" / wrong type, expected "+kind.en)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// valueKind names what a field expects, for the error message.
type valueKind struct{ zh, en string }

var (
	kindText   = valueKind{"文本", "text"}
	kindNumber = valueKind{"数字", "a number"}
	kindBool   = valueKind{"布尔值 (true 或 false)", "a boolean (true or false)"}
	kindDate   = valueKind{"日期时间 (如 2018-05-02 09:00:00.000Z)", "a date-time (e.g. 2018-05-02 09:00:00.000Z)"}
	kindOne    = valueKind{"单个值", "a single value"}
	kindList   = valueKind{"值或值列表", "a value or a list of values"}
	kindGeo    = valueKind{"坐标 {lon, lat}", "a point {lon, lat}"}
)

// typeOK reports whether v has a type f stores as given, and otherwise what f expects. A
// modifier adds to or removes from a list, so it takes a list even for a single field.
func typeOK(f core.Field, v any, modifier bool) (valueKind, bool) {
	switch f := f.(type) {
	case *core.TextField, *core.EmailField, *core.URLField, *core.EditorField:
		return kindText, isScalar(v)
	case *core.NumberField:
		return kindNumber, isNumber(v)
	case *core.BoolField:
		return kindBool, isBool(v)
	case *core.DateField:
		return kindDate, isDate(v)
	case *core.SelectField:
		return listKind(modifier || f.IsMultiple(), v)
	case *core.RelationField:
		return listKind(modifier || f.IsMultiple(), v)
	case *core.GeoPointField:
		return kindGeo, isGeoPoint(v)
	}
	return valueKind{}, true
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, float64, bool:
		return true
	}
	return false
}

func isNumber(v any) bool {
	switch x := v.(type) {
	case float64:
		return true
	case string:
		n, err := strconv.ParseFloat(x, 64)
		return x == "" || (err == nil && !math.IsNaN(n) && !math.IsInf(n, 0))
	}
	return false
}

func isBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return true
	case float64:
		return x == 0 || x == 1
	case string:
		_, err := strconv.ParseBool(x)
		return x == "" || err == nil
	}
	return false
}

func isDate(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	d, _ := types.ParseDateTime(s)
	return s == "" || !d.IsZero()
}

// listKind accepts a string, or for a multiple field a list of strings; a single field also
// takes a list of at most one string, which PocketBase reads as that string.
func listKind(multiple bool, v any) (valueKind, bool) {
	kind := kindOne
	if multiple {
		kind = kindList
	}
	switch x := v.(type) {
	case string:
		return kind, true
	case []string:
		return kind, multiple || len(x) <= 1
	case []any:
		for _, item := range x {
			if _, ok := item.(string); !ok {
				return kind, false
			}
		}
		return kind, multiple || len(x) <= 1
	}
	return kind, false
}

// isGeoPoint accepts {lon, lat} with numbers, or the same as a JSON string (how multipart
// forms send it); "" clears the point.
func isGeoPoint(v any) bool {
	if s, ok := v.(string); ok {
		if s == "" {
			return true
		}
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return false
		}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, lonOK := m["lon"].(float64)
	_, latOK := m["lat"].(float64)
	return lonOK && latOK
}
