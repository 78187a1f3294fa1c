package access

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/schema"
)

// Register binds the hooks that attribute request writes, refuse request bodies of the wrong
// types, and enforce field policies on every save, from any door.
func Register(app core.App) {
	app.OnRecordCreateRequest().BindFunc(func(e *core.RecordRequestEvent) error {
		attributeRequest(e)
		if err := checkRequestBody(e); err != nil {
			return err
		}
		return e.Next()
	})
	app.OnRecordUpdateRequest().BindFunc(func(e *core.RecordRequestEvent) error {
		attributeRequest(e)
		if err := checkRequestBody(e); err != nil {
			return err
		}
		return e.Next()
	})
	app.OnRecordDeleteRequest().BindFunc(func(e *core.RecordRequestEvent) error {
		attributeRequest(e)
		return e.Next()
	})
	app.OnRecordCreate().BindFunc(func(e *core.RecordEvent) error {
		if err := enforceCreate(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	})
	app.OnRecordUpdate().BindFunc(func(e *core.RecordEvent) error {
		if err := enforceUpdate(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	})
}

// attributeRequest marks the record of a REST or batch request with its actor and door.
// Superuser requests are the admin UI's door: it is the only client district administrators
// are given.
func attributeRequest(e *core.RecordRequestEvent) {
	actor := ActorFromAuth(e.Auth)
	door := DoorREST
	if info, err := e.RequestInfo(); err == nil && info.Context == core.RequestInfoContextBatch {
		door = DoorBatch
	}
	if actor.Kind == KindSuperuser && door == DoorREST {
		door = DoorAdmin
	}
	Attribute(e.Record, Attribution{Actor: actor, Door: door})
}

// fieldError is a single-field validation error with a stable code and a bilingual message.
func fieldError(field, code, zh, en string) error {
	return validation.Errors{field: validation.NewError(code, zh+" / "+en)}
}

func enforceCreate(app core.App, r *core.Record) error {
	p, ok := Policies[r.Collection().Name]
	if !ok {
		return nil
	}
	attr := AttributionOf(r)
	bound := ownershipApplies(attr)
	if bound {
		a := attr.Actor
		if p.Author != "" {
			r.Set(p.Author, a.ID)
		}
		if p.Scoped && !a.InSubdistrict(r.GetString(schema.FieldSubdistrict)) {
			return fieldError(schema.FieldSubdistrict, "scope_forbidden",
				"只能在本人所属街镇内新建记录", "you may only create records in your own subdistricts")
		}
	}
	for _, field := range sortedKeys(p.Owned) {
		owner := p.Owned[field]
		if isZero(r.Get(field)) {
			if owner.Default != nil {
				r.Set(field, owner.Default)
			}
			continue
		}
		if bound && !slices.Contains(owner.Roles, attr.Actor.Role) && !holds(r, field, owner.Default) {
			return protectedError(field)
		}
	}
	return checkParents(app, r, p)
}

func enforceUpdate(app core.App, r *core.Record) error {
	p, ok := Policies[r.Collection().Name]
	if !ok {
		return nil
	}
	if attr := AttributionOf(r); ownershipApplies(attr) {
		for _, field := range p.locked(attr.Actor.Role) {
			if fieldChanged(r, field) {
				return protectedError(field)
			}
		}
	}
	return checkParents(app, r, p)
}

// ownershipApplies reports whether field ownership binds this write: it does for staff and
// anonymous writers, not for superusers, server code, or trusted workflow commands.
func ownershipApplies(a Attribution) bool {
	return !a.Trusted && !a.Actor.Privileged()
}

func protectedError(field string) error {
	return fieldError(field, "protected_field",
		"您的角色无权设置或修改此字段", "your role may not set or change this field")
}

// checkParents refuses a record whose related records lie in another subdistrict. On update it
// checks only the links that change, or all of them when the record's own subdistrict does.
func checkParents(app core.App, r *core.Record, p Policy) error {
	if !p.Scoped {
		return nil
	}
	sd := r.GetString(schema.FieldSubdistrict)
	moved := r.IsNew() || fieldChanged(r, schema.FieldSubdistrict)
	for _, field := range sortedKeys(p.Parents) {
		if !moved && !fieldChanged(r, field) {
			continue
		}
		for _, id := range r.GetStringSlice(field) {
			parent, err := app.FindRecordById(p.Parents[field], id)
			if err != nil {
				return fieldError(field, "not_found", "关联记录不存在", "the linked record does not exist")
			}
			if parent.GetString(schema.FieldSubdistrict) != sd {
				return fieldError(field, "subdistrict_mismatch",
					"关联记录属于其他街镇", "the linked record belongs to another subdistrict")
			}
		}
	}
	return nil
}

// checkRequestBody refuses a REST or batch body that is not one JSON object, or whose values
// have the wrong types. It reads the body again, as sent: the request info PocketBase keeps
// holds the values already coerced, and PocketBase's decoder ignores what follows the first
// JSON value.
func checkRequestBody(e *core.RecordRequestEvent) error {
	raw, err := rawBody(e)
	if err != nil {
		return router.NewBadRequestError("请求体不是有效的 JSON 对象 / the request body is not a valid JSON object", err)
	}
	if err := CheckTypes(e.Collection, raw); err != nil {
		return router.NewBadRequestError("字段值类型错误 / some values have the wrong type", err)
	}
	return nil
}

// rawBody decodes the request body as sent. Bodies that are not JSON (multipart forms, which
// batch requests also use inside) are decoded by PocketBase's binder.
func rawBody(e *core.RecordRequestEvent) (map[string]any, error) {
	raw := map[string]any{}
	if !strings.HasPrefix(e.Request.Header.Get("Content-Type"), "application/json") || e.Request.Body == nil {
		return raw, e.BindBody(&raw)
	}
	data, err := io.ReadAll(e.Request.Body) // the body rewinds at its end for later readers
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		return raw, err
	}
	return raw, json.Unmarshal(data, &raw)
}

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
