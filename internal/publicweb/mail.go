package publicweb

import (
	"database/sql"
	"errors"
	"fmt"
	"html"
	"net/mail"
	stdsync "sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"
	"github.com/pocketbase/pocketbase/tools/routine"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/publicurl"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// bindMail tells reporters who left an e-mail address when their case changes status, through
// PocketBase's mailer (admin UI → Settings → Mail settings). A duplicate's reporter follows
// the case it joined, so a case's change is sent to the reporters of its duplicates too. The
// mail names only the recipient's own tracking number, the category and the new status: no
// description, no place, no names, nothing of any other reporter.
//
// One mail per recipient is written to the outbox (report_mail_outbox) in the transaction
// that changes the status, so a change is never committed without its mails nor a mail sent
// for a change rolled back. After the commit the outbox is sent in the background; a failed
// send is retried with a growing wait (SendDueMail, also run every minute) and given up after
// mailMaxAttempts, which is logged. The staff member's request does not wait on the mail server.
func (s *Site) bindMail(app core.App) {
	app.OnRecordUpdateExecute(schema.Reports).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		old, now := e.Record.Original().GetString(schema.FieldStatus), e.Record.GetString(schema.FieldStatus)
		if old == now || now == "duplicate" {
			return nil
		}
		return queueStatusMail(e.App, e.Record.Id, now, time.Now())
	})
	app.OnRecordAfterUpdateSuccess(schema.Reports).BindFunc(func(e *core.RecordEvent) error {
		if e.Record.Original().GetString(schema.FieldStatus) != e.Record.GetString(schema.FieldStatus) {
			routine.FireAndForget(func() { sendDue(e.App, time.Now()) })
		}
		return e.Next()
	})
	app.Cron().MustAdd("fieldsync_report_mail", "* * * * *", func() { sendDue(app, time.Now()) })
}

// Retries wait mailFirstRetry, doubling up to mailMaxWait; after mailMaxAttempts (about a day
// of an unreachable mail server) the mail is given up. Local settings, not the gazette's.
const (
	mailFirstRetry  = time.Minute
	mailMaxWait     = time.Hour
	mailMaxAttempts = 30
	mailBatch       = 100
)

// queueStatusMail writes one outbox row per reporter of the case (its own report and the
// duplicates that joined it) who left an e-mail address.
func queueStatusMail(app core.App, caseID, status string, now time.Time) error {
	var reports []string
	err := app.DB().NewQuery(`
		SELECT r.id FROM public_reports r JOIN report_contacts k ON k.report = r.id
		WHERE (r.id = {:id} OR r.duplicate_of = {:id}) AND k.email != '' AND r.voided = FALSE`).
		Bind(dbx.Params{"id": caseID}).Column(&reports)
	if err != nil {
		return fmt.Errorf("report mail: recipients: %w", err)
	}
	coll, err := app.FindCachedCollectionByNameOrId(schema.ReportMail)
	if err != nil {
		return err
	}
	for _, id := range reports {
		r := core.NewRecord(coll)
		r.Load(map[string]any{"report": id, "status": status, "next_at": now})
		access.Attribute(r, access.Attribution{Actor: access.System, Door: access.DoorHook, Trusted: true})
		if err := app.Save(r); err != nil {
			return fmt.Errorf("report mail: queue: %w", err)
		}
	}
	return nil
}

// MailRun counts what one pass over the outbox did.
type MailRun struct{ Sent, Retry, GaveUp int }

// sending keeps two passes (the after-commit one and the minute's) from sending a mail twice.
var sending stdsync.Mutex

// SendDueMail sends the outbox's mails that are due at now, oldest first.
func SendDueMail(app core.App, now time.Time) (MailRun, error) {
	sending.Lock()
	defer sending.Unlock()
	var run MailRun
	due, err := app.FindRecordsByFilter(schema.ReportMail, "sent_at = '' && failed_at = '' && next_at <= {:now}",
		"next_at", mailBatch, 0, dbx.Params{"now": now.UTC().Format(types.DefaultDateLayout)})
	if err != nil {
		return run, fmt.Errorf("report mail: outbox: %w", err)
	}
	for _, m := range due {
		sendErr := sendOne(app, m)
		switch {
		case sendErr == nil:
			m.Set("sent_at", now)
			run.Sent++
		case m.GetInt("attempts")+1 >= mailMaxAttempts:
			m.Set("failed_at", now)
			run.GaveUp++
			app.Logger().Error("report mail: given up", "mail", m.Id, "report", m.GetString("report"), "attempts", m.GetInt("attempts")+1, "error", sendErr)
		default:
			m.Set("next_at", now.Add(mailWait(m.GetInt("attempts")+1)))
			run.Retry++
			app.Logger().Warn("report mail: will retry", "mail", m.Id, "report", m.GetString("report"), "error", sendErr)
		}
		if sendErr != nil {
			m.Set("attempts", m.GetInt("attempts")+1)
			m.Set("last_error", truncate(sendErr.Error(), 500))
		}
		access.Attribute(m, access.Attribution{Actor: access.System, Door: access.DoorHook, Trusted: true})
		if err := app.Save(m); err != nil {
			// The mail may go again on the next pass: a rare double beats a lost update.
			return run, fmt.Errorf("report mail: mark %s: %w", m.Id, err)
		}
	}
	return run, nil
}

// sendDue is SendDueMail for the background: its failures are logged.
func sendDue(app core.App, now time.Time) {
	if _, err := SendDueMail(app, now); err != nil {
		app.Logger().Error("report mail", "error", err)
	}
}

func mailWait(attempts int) time.Duration {
	d := mailFirstRetry
	for i := 1; i < attempts && d < mailMaxWait; i++ {
		d *= 2
	}
	return min(d, mailMaxWait)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// recipient is one reporter to tell: their own report's tracking number and address.
type recipient struct {
	Tracking string `db:"tracking_no"`
	Category string `db:"category"`
	Email    string `db:"email"`
}

// sendOne sends one outbox mail, reading the address when it is sent: a contact erased since
// (or a report voided) is not mailed.
func sendOne(app core.App, m *core.Record) error {
	var to recipient
	err := app.DB().NewQuery(`
		SELECT r.tracking_no, r.category, k.email FROM public_reports r JOIN report_contacts k ON k.report = r.id
		WHERE r.id = {:id} AND r.voided = FALSE`).Bind(dbx.Params{"id": m.GetString("report")}).One(&to)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && to.Email == "") {
		return nil
	}
	if err != nil {
		return err
	}
	st, _ := vocab.ReportStatus.Label(m.GetString("status"))
	return app.NewMailClient().Send(statusMail(app, to, st))
}

// statusMail is the message to one reporter; it goes to them alone (no Cc, no Bcc).
func statusMail(app core.App, r recipient, st vocab.Term) *mailer.Message {
	cat, _ := vocab.ReportCategory.Label(r.Category)
	where := "本网站“查询举报进度”页面"
	if base, err := publicurl.Base(app); err == nil {
		where = base + "/t"
	}
	subject := fmt.Sprintf("举报 %s 有新进展：%s / Report %s: %s", r.Tracking, st.ZH, r.Tracking, st.EN)
	text := fmt.Sprintf("您好：\n\n您提交的举报 %s（%s）处理状态已更新为：%s。\n"+
		"请在 %s 输入受理编号和您抄下的查询码查看详情、补充材料%s。\n\n"+
		"Your report %s (%s) is now: %s. Open %s with the tracking number and the code you wrote down to see more.\n\n"+
		"海淀区校外培训与安全举报 · 本邮件由系统发出，请勿回复。\n",
		r.Tracking, cat.ZH, st.ZH, where, disputeNote(st.Value), r.Tracking, cat.EN, st.EN, where)
	return &mailer.Message{
		From:    mail.Address{Address: app.Settings().Meta.SenderAddress, Name: app.Settings().Meta.SenderName},
		To:      []mail.Address{{Address: r.Email}},
		Subject: subject,
		Text:    text,
		HTML:    "<pre>" + html.EscapeString(text) + "</pre>",
	}
}

func disputeNote(status string) string {
	if status == "fixed" {
		return "；如对整改结果有异议，可在 30 天内提出"
	}
	return ""
}
