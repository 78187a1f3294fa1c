package publicweb

import (
	"fmt"
	"html"
	"net/mail"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"github.com/haidian/fieldsync/internal/publicurl"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// bindMail tells reporters who left an e-mail address when their case changes status, through
// PocketBase's mailer (admin UI → Settings → Mail settings). A duplicate's reporter follows
// the case it joined, so a case's change is sent to the reporters of its duplicates too. The
// mail names only the recipient's own tracking number, the category and the new status: no
// description, no place, no names, nothing of any other reporter. A failed send is logged and
// does not undo the change.
func (s *Site) bindMail(app core.App) {
	app.OnRecordAfterUpdateSuccess(schema.Reports).BindFunc(func(e *core.RecordEvent) error {
		old, now := e.Record.Original().GetString(schema.FieldStatus), e.Record.GetString(schema.FieldStatus)
		if old != now && now != "duplicate" {
			s.mailStatus(e.App, e.Record, now)
		}
		return e.Next()
	})
}

// recipient is one reporter to tell: their own report's tracking number and address.
type recipient struct {
	Tracking string `db:"tracking_no"`
	Category string `db:"category"`
	Email    string `db:"email"`
}

func (s *Site) mailStatus(app core.App, c *core.Record, status string) {
	var to []recipient
	err := app.DB().NewQuery(`
		SELECT r.tracking_no, r.category, k.email FROM public_reports r JOIN report_contacts k ON k.report = r.id
		WHERE (r.id = {:id} OR r.duplicate_of = {:id}) AND k.email != '' AND r.voided = FALSE`).
		Bind(dbx.Params{"id": c.Id}).All(&to)
	if err != nil {
		app.Logger().Error("report mail: recipients", "report", c.Id, "error", err)
		return
	}
	st, _ := vocab.ReportStatus.Label(status)
	for _, r := range to {
		if err := app.NewMailClient().Send(statusMail(app, r, st)); err != nil {
		}
	}
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
