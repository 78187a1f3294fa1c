package console_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/testkit"
)

// A supervisor gives a centre of the subdistrict its rectification opinion from the centre's
// page, found through the centres list; the server's refusal of a rectification without a
// deadline shows in words. The education commission's staff, to whom a finding of the centre
// was referred, put it on the black list there.
func TestConsole_CentreDecisions(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	centre := testkit.Side("centre", "a")
	edu := testkit.ID("edustaff")
	testkit.Save(t, srv.App, "users", edu, map[string]any{"role": "agency_staff", "agency": refdata.AgencyID(2),
		"verified": true, "email": "edustaff@fieldsync.test", "password": testkit.Password})
	testkit.Save(t, srv.App, "findings", "centrefinding01", map[string]any{"programme": "tutoring", "place": testkit.Side("centreplace", "a"),
		"subdistrict": testkit.SubdistrictA, "category": "tutoring.business_licence_only", "severity": "general", "status": "open",
		"description": "超范围培训", "agency": refdata.AgencyID(2), "author": testkit.InspectorA})

	ctx := browserFor(t)
	signIn(t, ctx, srv.URL, "supervisora")
	run(t, ctx, chromedp.Navigate(srv.URL+"/console/#/centres"), chromedp.WaitVisible(fmt.Sprintf(`#centres-list tr[data-id=%q] a`, centre)),
		chromedp.Click(fmt.Sprintf(`#centres-list tr[data-id=%q] a`, centre)), chromedp.WaitVisible(`#centre form.step.decide`))
	run(t, ctx, stepOn("decide", map[string]string{"outcome": "rectify", "deadline": ""})...)
	run(t, ctx, chromedp.WaitVisible(`form.step.decide .refusal:not(:empty)`))
	refusal := value(t, ctx, chromedp.Text(`form.step.decide .refusal`))
	if !strings.Contains(refusal, "/") || refusal == "" {
		t.Errorf("the refused opinion says %q", refusal)
	}
	run(t, ctx, stepOn("decide", map[string]string{"outcome": "rectify", "deadline": "2030-03-31"})...)
	run(t, ctx, chromedp.WaitVisible(`#centre[data-outcome=rectify]`))
	shoot(t, ctx, "centre")
	if r := statusOf(t, srv, "tutoring_centres", centre); r.GetString("outcome") != "rectify" || r.GetString("outcome_deadline") != "2030-03-31 15:59:59.000Z" {
		t.Errorf("the centre after the opinion: %q by %q", r.GetString("outcome"), r.GetString("outcome_deadline"))
	}
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("form.step.list").length`)); n != 0 {
		t.Error("a supervisor is offered the commission's list decision")
	}

	run(t, ctx, chromedp.Click(`#signout`))
	run(t, ctx, chromedp.Navigate(srv.URL+"/console/#/login"), chromedp.WaitVisible(`input[name=identity]`),
		chromedp.SendKeys(`input[name=identity]`, "edustaff@fieldsync.test"), chromedp.SendKeys(`input[name=password]`, testkit.Password),
		chromedp.Click(`#login-submit`), chromedp.WaitVisible(`#queue-overdue`))
	run(t, ctx, chromedp.Navigate(srv.URL+"/console/#/centres/"+centre), chromedp.WaitVisible(`#centre form.step.list`))
	run(t, ctx, stepOn("list", map[string]string{"list": "black", "reason": "超范围培训且拒不整改"})...)
	run(t, ctx, chromedp.WaitVisible(`#centre[data-list=black]`))
	if r := statusOf(t, srv, "tutoring_centres", centre); r.GetString("list_status") != "black" || r.GetString("list_decided_by") != edu {
		t.Errorf("the centre after the commission's decision: %q by %q", r.GetString("list_status"), r.GetString("list_decided_by"))
	}
	if n := value(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("form.step.decide").length`)); n != 0 {
		t.Error("the commission is offered the supervisor's opinion")
	}
}
