package sync

import (
	"fmt"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/atomic"
	"github.com/haidian/fieldsync/internal/schema"
)

// Revoking an installation (sync_clients.revoked) stops a lost or stolen phone. Refusing the
// phone's X-Fieldsync-Client header is not enough: whoever holds the phone holds its bearer
// token, which works without the header everywhere (REST, batch, a new registration, pull and
// push, file tokens, realtime). So revoking also ends every session of the device's user:
// PocketBase signs a user's auth and file tokens with the user's tokenKey, and a new key voids
// them all at once. The price is that the user's other devices must sign in again too.
//
// Device-bound tokens (a device claim checked on every request) would spare those devices,
// but every door (PocketBase's own routes, realtime, file tokens) would have to check the
// claim, and a door that forgot would leave the stolen token working; a new key fails safe.

// RegisterRevocation binds the revocation rules as model hooks, so they hold whichever door
// revokes: the records API, batch, the admin UI, Go or JS code.
func RegisterRevocation(app core.App) {
	app.OnRecordUpdate(schema.SyncClients).BindFunc(guardClientUpdate)
	app.OnRecordUpdateExecute(schema.SyncClients).BindFunc(endSessionsOnRevoke)
}

const fieldRevoked = "revoked"

var (
	errClientFieldLocked = validation.NewError("client_field_locked",
		"只能停用或恢复设备，不能修改设备的其他信息 / staff may only revoke or restore a device, not change its other fields")
	errClientRestore = validation.NewError("client_restore_forbidden",
		"只有主管或管理员可以恢复已停用的设备 / only a supervisor or an administrator may restore a revoked device")
)

// guardClientUpdate lets staff change nothing of an installation but its revoked flag (the
// API rules say which staff: its user and the supervisors of the user's subdistricts). A
// revocation is lifted by a supervisor, never by the user whose device it stopped.
func guardClientUpdate(e *core.RecordEvent) error {
	attr := access.AttributionOf(e.Record)
	if attr.Trusted || attr.Actor.Privileged() {
		return e.Next()
	}
	for _, f := range e.Record.Collection().Fields {
		name := f.GetName()
		if name != fieldRevoked && f.Type() != core.FieldTypeAutodate && access.Changed(e.App, e.Record, name) {
			return validation.Errors{name: errClientFieldLocked}
		}
	}
	restoring := !e.Record.GetBool(fieldRevoked) && access.Changed(e.App, e.Record, fieldRevoked)
	if restoring && attr.Actor.Role != access.Supervisor {
		return validation.Errors{fieldRevoked: errClientRestore}
	}
	return e.Next()
}

// endSessionsOnRevoke gives the user of an installation being revoked a new token key, in the
// revocation's own transaction: the revocation and the end of the sessions are stored
// together or not at all. Saving the user also drops the user from their open realtime
// connections (PocketBase does so when a record's token key changes). Restoring a device
// changes no key, so the tokens a revocation voided stay void.
func endSessionsOnRevoke(e *core.RecordEvent) error {
	if atomic.Previous(e.Record).GetBool(fieldRevoked) || !e.Record.GetBool(fieldRevoked) {
		return e.Next()
	}
	user, err := e.App.FindRecordById(schema.Users, e.Record.GetString("user"))
	if err != nil {
		return fmt.Errorf("revoke %s: find its user: %w", e.Record.GetString("client_id"), err)
	}
	user.RefreshTokenKey()
	// The audit trail names who revoked as the one who signed the user out.
	attr := access.AttributionOf(e.Record)
	attr.Trusted = true
	access.Attribute(user, attr)
	if err := e.App.Save(user); err != nil {
		return fmt.Errorf("revoke %s: new token key: %w", e.Record.GetString("client_id"), err)
	}
	return e.Next()
}
