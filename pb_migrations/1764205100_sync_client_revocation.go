package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
)

// A lost phone is stopped by revoking its installation (internal/sync/revoke.go), which also
// ends every session of its user. Besides district administrators, the user and the
// supervisors of the user's subdistricts now see and revoke the installation; the revocation
// hooks let staff change nothing but revoked, and only supervisors lift a revocation.
const revokedHelp = "停用后，该用户在所有设备上的登录立即失效，须用密码重新登录。" +
	"Revoking signs this user out on every device at once; they must sign in again with their password."

func init() {
	m.Register(func(app core.App) error {
		own := "user = @request.auth.id"
		supervisor := a.SupervRole + " && " + a.InSomeSubdistrict + " && user.subdistricts.id ?= @request.auth.subdistricts.id"
		rule := a.Rule(a.Staff, a.Any(own, supervisor))
		return editSyncClients(app, rule, rule, revokedHelp)
	}, func(app core.App) error {
		own := a.Rule(a.Staff, "user = @request.auth.id")
		return editSyncClients(app, own, nil, "")
	})
}

// editSyncClients sets the read rules (list and view) and the update rule of sync_clients and
// the admin UI's note under its revoked field.
func editSyncClients(app core.App, read, update *string, help string) error {
	c, err := app.FindCollectionByNameOrId(s.SyncClients)
	if err != nil {
		return err
	}
	c.ListRule, c.ViewRule, c.UpdateRule = read, read, update
	if f, ok := c.Fields.GetByName("revoked").(*core.BoolField); ok {
		f.Help = help
	}
	return app.Save(c)
}
