package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
	v "github.com/haidian/fieldsync/internal/vocab"
)

// syncTables are the sync protocol's own tables. They are plain tables, not collections: no
// REST door reaches them, and only the sync package writes them, inside the transaction of
// the record change they describe.
const syncTables = `
CREATE TABLE fs_sync_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
INSERT INTO fs_sync_head (id, seq) VALUES (1, 0);

-- One row per synced record: its version, the version at which each field last changed,
-- and the scopes it is in now.
CREATE TABLE fs_sync_records (
	coll TEXT NOT NULL, rid TEXT NOT NULL, v INTEGER NOT NULL,
	fv TEXT NOT NULL DEFAULT '{}', scopes TEXT NOT NULL DEFAULT '[]',
	PRIMARY KEY (coll, rid)
) WITHOUT ROWID;

-- The change log, kept compact: one row per scope and record holding its latest change.
-- A record that left a scope keeps a 'remove' row until retention compacts it.
CREATE TABLE fs_sync_changes (
	scope TEXT NOT NULL, coll TEXT NOT NULL, rid TEXT NOT NULL,
	seq INTEGER NOT NULL, op TEXT NOT NULL, v INTEGER NOT NULL, h INTEGER NOT NULL, at INTEGER NOT NULL,
	PRIMARY KEY (scope, coll, rid)
) WITHOUT ROWID;
CREATE INDEX idx_fs_sync_changes_scope_seq ON fs_sync_changes (scope, seq);
CREATE INDEX idx_fs_sync_changes_op_at ON fs_sync_changes (op, at);

-- Running checksum (xor of the hashes of live records) per scope.
CREATE TABLE fs_sync_scopes (scope TEXT PRIMARY KEY, checksum INTEGER NOT NULL, n INTEGER NOT NULL) WITHOUT ROWID;

-- Removal markers at or below the horizon have been compacted away.
CREATE TABLE fs_sync_horizon (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
INSERT INTO fs_sync_horizon (id, seq) VALUES (1, 0);

-- The stored outcome of every pushed mutation, returned byte for byte on a repeat.
CREATE TABLE fs_sync_outcomes (
	client TEXT NOT NULL, mid INTEGER NOT NULL, result BLOB NOT NULL,
	PRIMARY KEY (client, mid)
) WITHOUT ROWID;
`

// voidable are the business collections whose records are voided, never deleted, by staff.
var voidable = []string{
	s.Places, s.Households, s.Centres, s.CentreClasses, s.Sites, s.Inspections, s.Findings,
	s.Referrals, s.Enforcements, s.AlarmInstalls, s.LandEntries, s.Photos, s.Reports,
}

func init() {
	m.Register(func(app core.App) error {
		if _, err := app.DB().NewQuery(syncTables).Execute(); err != nil {
			return err
		}
		for _, name := range voidable {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			c.Fields.Add(flag("voided"))
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return createAll(app, syncSpecs(), nil)
	}, func(app core.App) error {
		if err := deleteAll(app, syncSpecs()); err != nil {
			return err
		}
		for _, name := range voidable {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			c.Fields.RemoveByName("voided")
			if err := app.Save(c); err != nil {
				return err
			}
		}
		_, err := app.DB().NewQuery(`DROP TABLE fs_sync_head; DROP TABLE fs_sync_records;
			DROP TABLE fs_sync_changes; DROP TABLE fs_sync_scopes; DROP TABLE fs_sync_horizon;
			DROP TABLE fs_sync_outcomes;`).Execute()
		return err
	})
}

func syncSpecs() []spec {
	own := "user = @request.auth.id"
	return []spec{
		// An installation of the phone app. District administrators revoke one in the admin UI.
		{name: s.SyncClients, unique: [][]string{{"client_id"}},
			rules: a.Rules{List: a.Rule(a.Staff, own), View: a.Rule(a.Staff, own)},
			fields: []core.Field{
				pattern("client_id", true, 64, `^[A-Za-z0-9_-]{8,64}$`),
				rel("user", s.Users, true),
				text("app_version", false, 40),
				count("schema_version"),
				count("last_mid"),
				flag("revoked"),
			}},
		// What a push could not apply as sent: conflicts, rejections, quarantined mutations.
		// The author reads their own; supervisors read those of their subdistricts.
		{name: s.SyncIssues, indexes: [][]string{{"status"}, {"client_id", "mid"}},
			rules: a.Rules{
				List: a.Rule(a.Staff, a.Any(own, a.SupervRole+" && "+a.MemberOf("subdistrict"))),
				View: a.Rule(a.Staff, a.Any(own, a.SupervRole+" && "+a.MemberOf("subdistrict"))),
			},
			fields: []core.Field{
				rel("user", s.Users, true),
				rel("subdistrict", s.Subdistricts, false),
				text("client_id", true, 64),
				count("mid"),
				sel("kind", v.SyncIssueKind, true),
				sel("status", v.SyncIssueStatus, true),
				text("coll", true, 100),
				text("record_id", false, 100),
				text("field", false, 100),
				text("code", false, 100),
				text("message", false, 1000),
				jsonField("server_value", 1<<20),
				jsonField("client_value", 1<<20),
				jsonField("mutation", 1<<20),
				rel("resolved_by", s.Users, false),
				date("resolved_at", false),
			}},
		// The journal of every push attempt, each row chained to the previous by hash: a diagnostic
		// record (internal/sync/journal.go), not a guarantee: nothing refuses an edit of its rows.
		{name: s.SyncJournal, indexes: [][]string{{"client_id"}},
			fields: []core.Field{
				text("client_id", true, 64),
				text("user", true, 100),
				date("sent_at", false),
				number("skew_seconds", false, -1e10, 1e10),
				flag("skew_flagged"),
				jsonField("payload", 8<<20),
				jsonField("response", 8<<20),
				pattern("prev_hash", false, 64, `^[0-9a-f]*$`),
				pattern("hash", true, 64, `^[0-9a-f]{64}$`),
			}},
	}
}
