package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	s "github.com/haidian/fieldsync/internal/schema"
)

// A reporter's e-mail update is written to this outbox in the transaction that changes the
// case's status, and sent afterwards with retries (internal/publicweb/mail.go): a mail server
// that is down delays the mail, it does not lose it, and a staff member's request never waits
// on it. A row names the recipient's own report and the case's new status; the address and
// the text are read when the mail is sent, so the outbox holds no personal data. No API
// rule: only district administrators see the rows in the admin UI.
func init() {
	m.Register(func(app core.App) error {
		return createAll(app, []spec{{name: s.ReportMail, indexes: [][]string{{"sent_at", "failed_at", "next_at"}},
			fields: []core.Field{
				cascade(rel("report", s.Reports, true)),
				text("status", true, 40),
				count("attempts"),
				date("next_at", true),
				date("sent_at", false),
				date("failed_at", false),
				text("last_error", false, 500),
			}}}, nil)
	}, func(app core.App) error {
		return deleteAll(app, []spec{{name: s.ReportMail}})
	})
}

// cascade lets a report's deletion (an administrator's, in the admin UI) take its unsent
// mails with it instead of being refused.
func cascade(f *core.RelationField) *core.RelationField {
	f.CascadeDelete = true
	return f
}
