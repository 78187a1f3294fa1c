// Package access decides who may see and write what: the roles, their memberships in
// subdistricts and agencies, the API rule strings the collections carry, and the field policies
// that model hooks enforce on every write, whichever door it came through.
package access

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// Role is a staff member's role; district administrators are PocketBase superusers instead.
type Role string

// The roles of staff accounts.
const (
	Inspector   Role = "inspector"
	Supervisor  Role = "supervisor"
	AgencyStaff Role = "agency_staff"
)

// ActorKind says what kind of principal performed a write.
type ActorKind string

// The kinds of actor.
const (
	KindUser      ActorKind = "user"
	KindSuperuser ActorKind = "superuser"
	KindAnonymous ActorKind = "anonymous"
	KindSystem    ActorKind = "system"
)

// Door is the way a write reached the server.
type Door string

// The doors. Writes that server code makes (Go or JS hooks, cron jobs, commands) are recorded
// as DoorHook.
const (
	DoorREST   Door = "rest"
	DoorBatch  Door = "batch"
	DoorAdmin  Door = "admin"
	DoorSync   Door = "sync"
	DoorHook   Door = "hook"
	DoorSystem Door = "system"
)

// Actor is who performs a request, with the memberships that scope what they may do.
type Actor struct {
	Kind         ActorKind
	ID           string
	Role         Role
	Subdistricts []string
	Agency       string
}

// System is the actor of server-side code that acts on its own behalf.
var System = Actor{Kind: KindSystem}

// ActorFromAuth returns the actor of an authenticated record, or an anonymous actor for nil.
func ActorFromAuth(auth *core.Record) Actor {
	switch {
	case auth == nil:
		return Actor{Kind: KindAnonymous}
	case auth.IsSuperuser():
		return Actor{Kind: KindSuperuser, ID: auth.Id}
	case auth.Collection().Name != schema.Users:
		return Actor{Kind: KindAnonymous}
	}
	return Actor{
		Kind:         KindUser,
		ID:           auth.Id,
		Role:         Role(auth.GetString("role")),
		Subdistricts: auth.GetStringSlice("subdistricts"),
		Agency:       auth.GetString("agency"),
	}
}

// IsStaff reports whether a is a signed-in staff member (not a superuser).
func (a Actor) IsStaff() bool { return a.Kind == KindUser }

// Privileged reports whether a bypasses field policies: superusers and server code.
func (a Actor) Privileged() bool { return a.Kind == KindSuperuser || a.Kind == KindSystem }

// InSubdistrict reports whether a belongs to subdistrict id.
func (a Actor) InSubdistrict(id string) bool {
	return id != "" && slices.Contains(a.Subdistricts, id)
}

// FieldStaff reports whether a records field work in subdistricts (inspectors and supervisors).
func (a Actor) FieldStaff() bool {
	return a.IsStaff() && (a.Role == Inspector || a.Role == Supervisor)
}

// Attribution is who wrote a record and through which door. Trusted marks writes made by
// server code on a user's behalf after that code has checked the rules itself (workflow
// commands); field policies do not apply to them.
type Attribution struct {
	Actor   Actor
	Door    Door
	Trusted bool
	// Device is the sync client that sent the write, if it came through sync.
	Device string
}

// attributionKey holds the attribution in the record's custom data. Request bodies cannot set
// it: PocketBase loads only the collection's fields from a body, and custom data is never
// serialised unless a caller asks for it.
const attributionKey = "@fieldsyncAttribution"

// Attribute marks r as written by a through its door. Model hooks read it back, so the same
// field policies and audit apply to REST, batch, admin UI and sync writes.
func Attribute(r *core.Record, a Attribution) { r.SetRaw(attributionKey, a) }

// AttributionOf returns r's attribution. A record saved without one fails closed: nobody in
// particular wrote it (an anonymous actor through DoorHook), so every field policy binds it.
// A save made with a request's context is attributed to that request's user before the
// policies run (see attributeFromContext); code that acts on the server's own account says so
// with AsSystem.
func AttributionOf(r *core.Record) Attribution {
	if a, ok := r.GetRaw(attributionKey).(Attribution); ok {
		return a
	}
	return unattributed
}

// unattributed is the attribution of a save that names no writer.
var unattributed = Attribution{Actor: Actor{Kind: KindAnonymous}, Door: DoorHook}

// AsSystem marks r as written by server code on its own account (jobs, notifications,
// imports): field policies do not bind it, and the audit trail records the system through
// DoorHook. Use it only where no user is behind the write.
func AsSystem(r *core.Record) { Attribute(r, Attribution{Actor: System, Door: DoorHook}) }

// OnBehalfOf is the attribution of a write that server code makes because of r's write, such
// as a flag or a status its rules derive: the audit trail names r's writer and door, and it
// is trusted, since the server decided the change and no client value is in it.
func OnBehalfOf(r *core.Record) Attribution {
	a := AttributionOf(r)
	a.Trusted = true
	return a
}

// isAttributed reports whether r carries an attribution.
func isAttributed(r *core.Record) bool {
	_, ok := r.GetRaw(attributionKey).(Attribution)
	return ok
}
