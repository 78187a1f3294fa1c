package access

import (
	"slices"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// Register binds the hooks that attribute request writes and enforce field policies on every
// save, from any door.
func Register(app core.App) {
	app.OnRecordCreateRequest().BindFunc(func(e *core.RecordRequestEvent) error {
		attributeRequest(e)
		return e.Next()
	})
	app.OnRecordUpdateRequest().BindFunc(func(e *core.RecordRequestEvent) error {
		attributeRequest(e)
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
	if ownershipApplies(attr) {
		a := attr.Actor
		if p.Author != "" {
			r.Set(p.Author, a.ID)
		}
		if p.Scoped && !a.InSubdistrict(r.GetString(schema.FieldSubdistrict)) {
			return fieldError(schema.FieldSubdistrict, "scope_forbidden",
				"只能在本人所属街镇内新建记录", "you may only create records in your own subdistricts")
		}
		for field, owner := range p.Owned {
			if slices.Contains(owner.Roles, a.Role) {
				continue
			}
			v := r.Get(field)
			if !isZero(v) && (owner.Default == nil || v != owner.Default) {
				return protectedError(field)
			}
			if owner.Default != nil {
				r.Set(field, owner.Default)
			}
		}
	} else {
		for field, owner := range p.Owned {
			if owner.Default != nil && isZero(r.Get(field)) {
				r.Set(field, owner.Default)
			}
		}
	}
	return checkParents(app, r, p)
}

func enforceUpdate(app core.App, r *core.Record) error {
	p, ok := Policies[r.Collection().Name]
	if !ok {
		return nil
	}
	attr := AttributionOf(r)
	if ownershipApplies(attr) {
		locked := slices.Clone(p.Immutable)
		if p.Author != "" {
			locked = append(locked, p.Author)
		}
		if p.Scoped {
			locked = append(locked, schema.FieldSubdistrict)
		}
		for field, owner := range p.Owned {
			if !slices.Contains(owner.Roles, attr.Actor.Role) {
				locked = append(locked, field)
			}
		}
		for _, field := range locked {
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

// checkParents refuses a record whose related records lie in another subdistrict.
func checkParents(app core.App, r *core.Record, p Policy) error {
	if !p.Scoped {
		return nil
	}
	sd := r.GetString(schema.FieldSubdistrict)
	for field, coll := range p.Parents {
		id := r.GetString(field)
		if id == "" {
			continue
		}
		parent, err := app.FindRecordById(coll, id)
		if err != nil {
			return fieldError(field, "not_found", "关联记录不存在", "the linked record does not exist")
		}
		if parent.GetString(schema.FieldSubdistrict) != sd {
			return fieldError(field, "subdistrict_mismatch",
				"关联记录属于其他街镇", "the linked record belongs to another subdistrict")
		}
	}
	return nil
}
