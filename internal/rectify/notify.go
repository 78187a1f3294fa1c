package rectify

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// note is what a notification says and what it points to; finding and referral may be empty
// (a missed milestone or a centre's deadline belongs to a subdistrict, not to a finding).
type note struct {
	kind, subdistrict, finding, referral, message string
}

// findingNote is a note about finding f.
func findingNote(f *core.Record, kind, referral, message string) note {
	return note{kind: kind, subdistrict: f.GetString(schema.FieldSubdistrict), finding: f.Id, referral: referral, message: message}
}

// notify files a notification for each user. Notifications sync to the user's phone in the
// me: scope and are listed in the admin UI.
func notify(app core.App, users []string, n note) error {
	coll, err := app.FindCachedCollectionByNameOrId(schema.Notifications)
	if err != nil {
		return err
	}
	for _, u := range users {
		r := core.NewRecord(coll)
		r.Load(map[string]any{"user": u, "kind": n.kind, "subdistrict": n.subdistrict,
			"finding": n.finding, "referral": n.referral, "message": clip(n.message, 1000)})
		access.Attribute(r, access.Attribution{Actor: access.System, Door: access.DoorHook, Trusted: true})
		if err := app.Save(r); err != nil {
			return fmt.Errorf("notify %s: %w", u, err)
		}
	}
	return nil
}

// notifySupervisors tells the supervisors of the finding's subdistrict.
func notifySupervisors(app core.App, f *core.Record, kind, message, referral string) error {
	return notifySubdistrict(app, findingNote(f, kind, referral, message))
}

// notifySubdistrict tells the supervisors of the note's subdistrict.
func notifySubdistrict(app core.App, n note) error {
	var ids []string
	err := app.DB().Select("users.id").From(schema.Users).
		Where(dbx.HashExp{"role": string(access.Supervisor)}).
		AndWhere(dbx.NewExp("EXISTS (SELECT 1 FROM json_each(users.subdistricts) WHERE value = {:sd})",
			dbx.Params{"sd": n.subdistrict})).
		Column(&ids)
	if err != nil {
		return fmt.Errorf("supervisors of %s: %w", n.subdistrict, err)
	}
	return notify(app, ids, n)
}

// notifyAgency tells the staff of the agency a finding was referred to.
func notifyAgency(app core.App, ref, f *core.Record) error {
	var ids []string
	err := app.DB().Select("id").From(schema.Users).
		Where(dbx.HashExp{"agency": ref.GetString(schema.FieldAgency)}).Column(&ids)
	if err != nil {
		return fmt.Errorf("staff of %s: %w", ref.GetString(schema.FieldAgency), err)
	}
	return notify(app, ids, findingNote(f, "referral_received", ref.Id, "街镇吹哨，请按期报到："+ref.GetString("reason")))
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
