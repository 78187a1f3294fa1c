package rectify

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// notify files a notification for each user. Notifications sync to the user's phone in the
// me: scope and are listed in the admin UI.
func notify(app core.App, users []string, kind string, f *core.Record, referral, message string) error {
	coll, err := app.FindCachedCollectionByNameOrId(schema.Notifications)
	if err != nil {
		return err
	}
	for _, u := range users {
		n := core.NewRecord(coll)
		n.Load(map[string]any{"user": u, "kind": kind, "subdistrict": f.GetString(schema.FieldSubdistrict),
			"finding": f.Id, "referral": referral, "message": clip(message, 1000)})
		access.Attribute(n, access.Attribution{Actor: access.System, Door: access.DoorHook, Trusted: true})
		if err := app.Save(n); err != nil {
			return fmt.Errorf("notify %s: %w", u, err)
		}
	}
	return nil
}

// notifySupervisors tells the supervisors of the finding's subdistrict.
func notifySupervisors(app core.App, f *core.Record, kind, message, referral string) error {
	var ids []string
	err := app.DB().Select("users.id").From(schema.Users).
		Where(dbx.HashExp{"role": string(access.Supervisor)}).
		AndWhere(dbx.NewExp("EXISTS (SELECT 1 FROM json_each(users.subdistricts) WHERE value = {:sd})",
			dbx.Params{"sd": f.GetString(schema.FieldSubdistrict)})).
		Column(&ids)
	if err != nil {
		return fmt.Errorf("supervisors of %s: %w", f.GetString(schema.FieldSubdistrict), err)
	}
	return notify(app, ids, kind, f, referral, message)
}

// notifyAgency tells the staff of the agency a finding was referred to.
func notifyAgency(app core.App, ref, f *core.Record) error {
	var ids []string
	err := app.DB().Select("id").From(schema.Users).
		Where(dbx.HashExp{"agency": ref.GetString(schema.FieldAgency)}).Column(&ids)
	if err != nil {
		return fmt.Errorf("staff of %s: %w", ref.GetString(schema.FieldAgency), err)
	}
	return notify(app, ids, "referral_received", f, ref.Id, "街镇吹哨，请按期报到："+ref.GetString("reason"))
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
