package sync

import (
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// Conflict resolutions.
const (
	// ServerKept keeps the value the server had; the author's value waits in a sync issue.
	ServerKept = "server_kept"
	// Appended keeps both texts: the server's, then the author's.
	Appended = "appended"
)

// appendFields are free-text fields where two people's words both matter: on a conflict
// neither is dropped. Every other field keeps the first writer's value, with no clock
// deciding, and the later writer's value is kept for review in a sync issue.
var appendFields = map[string]bool{
	"notes": true, "description": true, "content": true, "teaching_measures": true,
	"reason": true, "response": true,
}

// resolve decides a field conflict by the field's policy.
func resolve(field string, server, client any) (any, string) {
	s, sok := server.(string)
	c, cok := client.(string)
	if appendFields[field] && sok && cok {
		switch {
		case strings.Contains(s, c):
			return s, Appended
		case strings.Contains(c, s):
			return c, Appended
		}
		return s + "\n\n" + c, Appended
	}
	return server, ServerKept
}

// lockedBy returns the field whose value locks r against edits, and the reason code: voided
// records, approved inspections and closed findings are final.
func lockedBy(r *core.Record) (string, string) {
	switch {
	case r.GetBool("voided"):
		return "voided", "record_voided"
	case r.Collection().Name == schema.Inspections && r.GetString("review") == "approved":
		return "review", "record_approved"
	case r.Collection().Name == schema.Findings && r.GetString(schema.FieldStatus) == "closed":
		return schema.FieldStatus, "record_closed"
	}
	return "", ""
}

func lockedError(field, code string) error {
	return validation.Errors{field: validation.NewError(code,
		"记录已锁定（已作废、已审核或已销账），不能再修改 / the record is locked (voided, approved or closed) and cannot be changed")}
}

// registerLocks refuses edits of locked records from every door, for everyone but district
// administrators and server code.
func registerLocks(app core.App) {
	app.OnRecordUpdate().BindFunc(func(e *core.RecordEvent) error {
		attr := access.AttributionOf(e.Record)
		if !attr.Trusted && !attr.Actor.Privileged() {
			if field, code := lockedBy(e.Record.Original()); code != "" {
				return lockedError(field, code)
			}
		}
		return e.Next()
	})
}
