package access

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/spf13/cast"

	"github.com/haidian/fieldsync/internal/schema"
)

// Register binds the hooks that attribute request writes, refuse request bodies of the wrong
// types, enforce field policies and complete staff accounts on every save, from any door, and
// refuse list filters and sorts that could observe hidden records.
func Register(app core.App) {
	bindQueryGuard(app)
	bindRequester(app)
	bindBilingualValidation(app)
	bindAccountCheck(app)
	bindParentCache(app)
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
		if p.Scoped && !a.InSubdistrict(r.GetString(schema.FieldSubdistrict)) && !referredTo(app, r, p, a) {
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
		if bound && !slices.Contains(owner.Roles, attr.Actor.Role) && !holds(r, field, owner.Default) &&
			!namesOwnAgency(p, field, r, attr.Actor) {
			return ProtectedError(field)
		}
	}
	return checkParents(app, r, p)
}

// namesOwnAgency reports whether r's field is the agency field of a record agency staff a may
// create where they were called to (Policy.AgencyAt), holding a's own agency: the record is in
// their agency's charge from its creation, whoever owns the field afterwards.
func namesOwnAgency(p Policy, field string, r *core.Record, a Actor) bool {
	return p.AgencyAt != "" && field == schema.FieldAgency && a.Agency != "" && r.GetString(field) == a.Agency
}

// referredTo reports whether agency staff a may create r through its AgencyVia link: the
// linked record is referred to a's agency. A missing link and one referred elsewhere answer
// alike.
func referredTo(app core.App, r *core.Record, p Policy, a Actor) bool {
	if a.Agency == "" {
		return false
	}
	if p.AgencyAt != "" && r.GetString(schema.FieldAgency) == a.Agency {
		// Referred: the finding's agency is theirs through a referral (refer@1). The findings an
		// agency records itself name it too, but open no door: once the referral is declined,
		// the agency is no longer called to the place.
		var n int
		err := app.DB().Select("COUNT(*)").From(schema.Findings + " f").Where(dbx.HashExp{
			"f." + schema.FieldPlace: r.GetString(p.AgencyAt), "f." + schema.FieldAgency: a.Agency,
			"f." + schema.FieldSubdistrict: r.GetString(schema.FieldSubdistrict), "f.programme": r.GetString("programme"), "f.voided": false,
		}).AndWhere(dbx.NewExp("EXISTS (SELECT 1 FROM " + schema.Referrals + " x WHERE x.finding = f.id AND x.agency = f.agency)")).Row(&n)
		if err == nil && n > 0 {
			return true
		}
	}
	if p.AgencyVia == "" {
		return false
	}
	linked, ok := parents.link(app, p.Parents[p.AgencyVia], r.GetString(p.AgencyVia))
	return ok && linked.agency == a.Agency
}

func enforceUpdate(app core.App, r *core.Record) error {
	p, ok := Policies[r.Collection().Name]
	if !ok {
		return nil
	}
	stored := storedState(app, r)
	if attr := AttributionOf(r); ownershipApplies(attr) {
		for _, field := range p.Locked(attr.Actor.Role) {
			if fieldChanged(stored, r, field) {
				return ProtectedError(field)
			}
		}
	}
	return checkParents(app, r, p)
}

// storedState reads r's row as stored. Record.Original() is refreshed only when a record is
// loaded, so for a record object saved twice it would report the first save's values as
// changes.
func storedState(app core.App, r *core.Record) *core.Record {
	if r.IsNew() {
		return r.Original()
	}
	stored, err := app.FindRecordById(r.Collection(), cast.ToString(r.LastSavedPK()))
	if err != nil {
		return r.Original()
	}
	return stored
}

// ownershipApplies reports whether field ownership binds this write: it does for staff and
// anonymous writers, not for superusers, server code, or trusted workflow commands.
func ownershipApplies(a Attribution) bool {
	return !a.Trusted && !a.Actor.Privileged()
}

// ProtectedError is the refusal of a write to field by a role that may not set or change it.
func ProtectedError(field string) error {
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
	stored := storedState(app, r)
	moved := r.IsNew() || fieldChanged(stored, r, schema.FieldSubdistrict)
	for _, field := range sortedKeys(p.Parents) {
		if !moved && !fieldChanged(stored, r, field) {
			continue
		}
		for _, id := range r.GetStringSlice(field) {
			// A missing record and one of another subdistrict get the same answer, so a link
			// attempt reveals nothing about another subdistrict's records.
			parent, ok := parents.link(app, p.Parents[field], id)
			if !ok || parent.subdistrict != sd {
				return fieldError(field, "link_invalid",
					"关联记录不存在或属于其他街镇", "the linked record does not exist or belongs to another subdistrict")
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

// Changed reports whether r is new or any of fields differs from its stored row. Programme
// rules use it to judge a value when it is written, not every later save of the record: a
// record stored before a rule existed stays editable in its other fields.
func Changed(app core.App, r *core.Record, fields ...string) bool {
	if r.IsNew() {
		return true
	}
	stored := storedState(app, r)
	return slices.ContainsFunc(fields, func(f string) bool { return fieldChanged(stored, r, f) })
}
