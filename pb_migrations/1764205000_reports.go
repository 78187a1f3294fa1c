package migrations

import (
	"crypto/rand"
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
	v "github.com/haidian/fieldsync/internal/vocab"
)

// Public reports (internal/reports): what a report went through, as the reporter may read it;
// the reporter's additions and disputes; the receipts that let a reporter without an account
// come back; the keys of Open311 clients.
//
// Every field added to public_reports is the server's to set (access.Policies): a report moves
// only through the triage commands and the lifecycle of the finding it is linked to.
const reportSubmissionUnique = "idx_public_reports_submission_key_unique"

func reportFields() []core.Field {
	return []core.Field{
		rel("duplicate_of", s.Reports, false),
		rel("inspection", s.Inspections, false),
		text("resolution", false, 1000), // the supervisor's note to the reporter (reject, close)
		jsonField("history", 64<<10),    // [{at, status}]: what the reporter sees of the handling
		date("fixed_at", false),         // when the linked finding was closed: the dispute window opens
		date("reminded_at", false),      // when supervisors were reminded of it, untriaged
		sel("source", v.ReportSource, false),
		// sha256 of the client's idempotency key: a retried submission finds its report.
		&core.TextField{Name: "submission_key", Max: 64, Pattern: `^([0-9a-f]{64})?$`, Hidden: true},
	}
}

// receiptKeys holds the per-install secrets receipts are signed with (HS256). It is a plain
// table: no REST door reaches it. The first key is generated here, on the first start.
const receiptKeys = `CREATE TABLE fs_receipt_keys (kid TEXT PRIMARY KEY, secret BLOB NOT NULL, created TEXT NOT NULL)`

func reportSpecs() []spec {
	return []spec{
		// What a reporter adds with their receipt: more information, photos, a dispute of a
		// fix. Staff of the subdistrict read them (and pull them to their phones); only the
		// reports module writes them.
		{name: s.ReportUpdates, indexes: [][]string{{"report"}},
			rules: a.Rules{List: a.ScopedRead(), View: a.ScopedRead()},
			fields: []core.Field{
				rel("report", s.Reports, true),
				rel("subdistrict", s.Subdistricts, true),
				sel("kind", v.ReportUpdateKind, true),
				text("text", false, maxNote),
				multiRel("photos", s.Photos, 5),
			}},
		// One row per receipt issued: the hash of its id, never the receipt, so a leaked row
		// cannot be replayed; a district administrator revokes one by setting revoked.
		{name: s.ReportReceipts, unique: [][]string{{"token_hash"}},
			fields: []core.Field{
				rel("report", s.Reports, true),
				pattern("token_hash", true, 64, `^[0-9a-f]{64}$`),
				date("expires", true),
				flag("revoked"),
			}},
		// Open311 clients allowed to create requests; the key is shown once when issued and
		// stored only as its hash.
		{name: s.Open311Keys, unique: [][]string{{"key_hash"}},
			fields: []core.Field{
				text("name", true, 100),
				&core.TextField{Name: "key_hash", Required: true, Max: 64, Pattern: `^[0-9a-f]{64}$`, Hidden: true},
				flag("active"),
			}},
	}
}

func init() {
	m.Register(func(app core.App) error {
		reports, err := app.FindCollectionByNameOrId(s.Reports)
		if err != nil {
			return err
		}
		reports.Fields.Add(sel("status", v.ReportStatus, true)) // the new statuses (same field id)
		for _, f := range reportFields() {
			reports.Fields.Add(f)
		}
		reports.AddIndex(reportSubmissionUnique, true, "`submission_key`", "`submission_key` != ''")
		reports.AddIndex(indexName(s.Reports, "category", "place"), false, quoted("category", "place"), "")
		if err := app.Save(reports); err != nil {
			return fmt.Errorf("public reports: %w", err)
		}
		notes, err := app.FindCollectionByNameOrId(s.Notifications)
		if err != nil {
			return err
		}
		notes.Fields.Add(sel("kind", v.NotificationKind, true), rel("report", s.Reports, false))
		notes.AddIndex(indexName(s.Notifications, "report"), false, quoted("report"), "")
		if err := app.Save(notes); err != nil {
			return fmt.Errorf("notifications: %w", err)
		}
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery(receiptKeys).Execute(); err != nil {
			return err
		}
		_, err = app.DB().NewQuery("INSERT INTO fs_receipt_keys (kid, secret, created) VALUES ({:kid}, {:secret}, datetime('now'))").
			Bind(map[string]any{"kid": "k1", "secret": secret}).Execute()
		if err != nil {
			return err
		}
		return createAll(app, reportSpecs(), nil)
	}, func(app core.App) error {
		if err := deleteAll(app, reportSpecs()); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("DROP TABLE fs_receipt_keys").Execute(); err != nil {
			return err
		}
		notes, err := app.FindCollectionByNameOrId(s.Notifications)
		if err != nil {
			return err
		}
		notes.Fields.RemoveByName("report")
		notes.RemoveIndex(indexName(s.Notifications, "report"))
		if err := app.Save(notes); err != nil {
			return err
		}
		reports, err := app.FindCollectionByNameOrId(s.Reports)
		if err != nil {
			return err
		}
		for _, f := range reportFields() {
			reports.Fields.RemoveByName(f.GetName())
		}
		reports.RemoveIndex(reportSubmissionUnique)
		reports.RemoveIndex(indexName(s.Reports, "category", "place"))
		return app.Save(reports)
	})
}
