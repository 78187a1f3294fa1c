package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// What the sync protocol needs to tell an edit made while its author held a scope, and lost
// it while offline, from one its author never could have made (internal/sync/membership.go).
// Plain tables, like the other fs_sync_ tables: only the sync package writes them.
//
// Numbered to run right after the sync tables, before any migration that writes records: the
// sync package's hooks, bound before migrating, use these tables on every write. A database
// migrated before this file existed applies it at its next start, as PocketBase applies every
// migration it has not applied, and the backfill below then finds its accounts and devices.
//
// Times are PocketBase datetimes ("2006-01-02 15:04:05.000Z"), which sort as text; the
// empty string is "before this history began".
const syncMemberships = `
-- The scopes (sd:<subdistrict>, ag:<agency>) each user held and when: a row per holding,
-- until NULL while it lasts. Written by the users' model hooks in the transaction of the change.
CREATE TABLE fs_sync_memberships (
	user TEXT NOT NULL, scope TEXT NOT NULL, since TEXT NOT NULL, until TEXT
);
CREATE INDEX idx_fs_sync_memberships_user_scope ON fs_sync_memberships (user, scope, since);

-- When the server last gave each installation each scope (registration, a download from the
-- start): its user may have edited the scope's records offline from then on.
CREATE TABLE fs_sync_handed (
	client TEXT NOT NULL, scope TEXT NOT NULL, at TEXT NOT NULL,
	PRIMARY KEY (client, scope)
) WITHOUT ROWID;

-- When each synced record was created.
ALTER TABLE fs_sync_records ADD COLUMN born TEXT NOT NULL DEFAULT '';

-- The memberships and installations that exist now date from before the history.
INSERT INTO fs_sync_memberships (user, scope, since)
	SELECT u.id, 'sd:' || j.value, '' FROM users u, json_each(u.subdistricts) j
	WHERE u.role IN ('inspector', 'supervisor') AND json_valid(u.subdistricts)
	UNION
	SELECT id, 'ag:' || agency, '' FROM users WHERE agency != '';
INSERT INTO fs_sync_handed (client, scope, at)
	SELECT c.client_id, ms.scope, '' FROM sync_clients c JOIN fs_sync_memberships ms ON ms.user = c.user;
`

func init() {
	m.Register(func(app core.App) error {
		_, err := app.DB().NewQuery(syncMemberships).Execute()
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery(`DROP TABLE fs_sync_memberships; DROP TABLE fs_sync_handed;
			ALTER TABLE fs_sync_records DROP COLUMN born;`).Execute()
		return err
	})
}
