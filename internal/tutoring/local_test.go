package tutoring_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/localsetting"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/tutoring"
)

// TestLocal_DailyLaterRoutineFindings: gazette line 4911 ("只计算新增数，对已排查过的机构和学校进行
// 再次检查或整改验收时不计算在内") excludes re-inspections and acceptance checks; whether a problem
// first found at a later routine inspection of a centre already counted is new is the district's
// setting tutoring.daily_counts_later_routine_findings. A centre surveyed on D1 (pushed from a
// phone) without a problem shows one at a routine inspection on D2 (REST, its finding pushed):
// D2's 存在超目标教学 column counts it by default and not once the setting is off, and the
// survey's own finding counts either way.
func TestLocal_DailyLaterRoutineFindings(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	sdA := testkit.SubdistrictA
	place, other := rid("lsdplace", 1), rid("lsdplace", 2)
	for _, id := range []string{place, other} {
		save(t, srv.App, schema.Places, id, map[string]any{"kind": "tutoring_centre", "name": "场所 " + id, "subdistrict": sdA, "address": "学院路 " + id})
		save(t, srv.App, schema.Centres, "c"+id[1:], map[string]any{"place": id, "subdistrict": sdA, "business_licence": "none"})
	}
	phone, rest := newSync(t, srv, testkit.InspectorA, "phone-local-daily"), newREST(t, srv, testkit.InspectorA)
	insp := func(place, kind, at string) map[string]any {
		return map[string]any{"programme": "tutoring", "kind": kind, "place": place, "subdistrict": sdA, "inspected_at": at, "result": "fail"}
	}
	finding := func(place, inspection string) map[string]any {
		return map[string]any{"programme": "tutoring", "place": place, "subdistrict": sdA, "inspection": inspection,
			"category": "tutoring.beyond_curriculum", "severity": "general", "description": "超纲教学"}
	}
	mustOK(t, phone.Create(schema.Inspections, rid("lsdsurvey", 1), insp(place, "survey", "2018-06-08 02:00:00.000Z")))
	mustOK(t, rest.Create(schema.Inspections, rid("lsdroutine", 1), insp(place, "routine", "2018-06-09 02:00:00.000Z")))
	mustOK(t, phone.Create(schema.Findings, rid("lsdfinding", 1), finding(place, rid("lsdroutine", 1))))
	// The other centre's problem is found at its first survey, on D2.
	mustOK(t, rest.Create(schema.Inspections, rid("lsdsurvey", 2), insp(other, "survey", "2018-06-09 03:00:00.000Z")))
	mustOK(t, phone.Create(schema.Findings, rid("lsdfinding", 2), finding(other, rid("lsdsurvey", 2))))

	teaching := func() int { return todayInA(t, srv, "2018-06-09", "teaching") }
	if n := teaching(); n != 2 {
		t.Errorf("default rule: D2's teaching column %d, want 2 (the later routine finding and the survey's)", n)
	}
	testkit.SetLocal(t, srv, localsetting.DailyCountsLaterRoutineFindings, false)
	if n := teaching(); n != 1 {
		t.Errorf("setting off: D2's teaching column %d, want 1 (the survey's finding only)", n)
	}
}

// TestLocal_WhiteListCriteriaAndReason: the gazette (4762 "建立海淀区培训机构的“白名单黑名单”制度",
// 4833 "建立黑白名单制度，向社会公布") sets no criteria for the white list and asks no reason; both
// are the district's settings (tutoring.white_list_needs_licence, tutoring.list_reason_required).
// By default an unlicensed centre is refused the white list and a decision without reason is
// refused; once an administrator turns them off, the commission's same requests are taken. The
// decisions are a REST route only (desk work: phones carry no command for them).
func TestLocal_WhiteListCriteriaAndReason(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	edu := testkit.ID("lsedustaff")
	save(t, srv.App, schema.Users, edu, map[string]any{"role": "agency_staff", "agency": refdata.AgencyID(2),
		"verified": true, "email": "lsedustaff@fieldsync.test", "password": testkit.Password})
	setClock(t, time.Date(2018, 7, 2, 2, 0, 0, 0, time.UTC))
	place, centre := rid("lswplace", 1), rid("lswcentre", 1)
	save(t, srv.App, schema.Places, place, map[string]any{"kind": "tutoring_centre", "name": "无证机构", "subdistrict": testkit.SubdistrictA, "address": "学院路 9 号"})
	save(t, srv.App, schema.Centres, centre, map[string]any{"place": place, "subdistrict": testkit.SubdistrictA, "business_licence": "none"})
	list := func(body map[string]any) (int, string) {
		res := srv.Do(http.MethodPost, "/api/fs/tutoring/centres/"+centre+"/list", srv.Token("users", edu), body)
		return res.Status, string(res.Body)
	}
	if st, body := list(map[string]any{"list": "white", "reason": "试点"}); st != http.StatusBadRequest || !strings.Contains(body, "centre_white_needs_licence") {
		t.Errorf("default rule: an unlicensed centre white-listed: %d %s", st, body)
	}
	if st, body := list(map[string]any{"list": "black"}); st != http.StatusBadRequest || !strings.Contains(body, "centre_list_invalid") {
		t.Errorf("default rule: a decision without reason: %d %s", st, body)
	}
	testkit.SetLocal(t, srv, localsetting.WhiteListNeedsLicence, false)
	testkit.SetLocal(t, srv, localsetting.ListReasonRequired, false)
	if st, body := list(map[string]any{"list": "white"}); st != http.StatusOK {
		t.Fatalf("settings off: the white list without licence or reason refused: %d %s", st, body)
	}
	if c, _ := srv.App.FindRecordById(schema.Centres, centre); c.GetString("list_status") != "white" || c.GetString("list_decided_by") != edu {
		t.Errorf("stored list %q by %q", c.GetString("list_status"), c.GetString("list_decided_by"))
	}
}

// TestLocal_DailyFraudColumnAndMisappropriatedFunds: report (一)'s column "存在虚假宣传、违规招生、收费
// 非法集资问题的" (gazette 4886) names 非法集资, not 抽逃办学资金; counting the latter there too, so
// that past days do not change, is the district's setting
// tutoring.daily_fraud_counts_misappropriated_funds. A centre whose survey (REST) found
// misappropriated funds (pushed from a phone) counts in the column by default, not once the
// setting is off; one with 非法集资 counts either way.
func TestLocal_DailyFraudColumnAndMisappropriatedFunds(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	sdA := testkit.SubdistrictA
	phone, rest := newSync(t, srv, testkit.InspectorA, "phone-local-fraud"), newREST(t, srv, testkit.InspectorA)
	for n, category := range []string{"tutoring.misappropriated_funds", "tutoring.illegal_fundraising"} {
		place, insp := rid("lsfplace", n+1), rid("lsfsurvey", n+1)
		save(t, srv.App, schema.Places, place, map[string]any{"kind": "tutoring_centre", "name": "场所 " + place, "subdistrict": sdA, "address": "学院路 " + place})
		save(t, srv.App, schema.Centres, "c"+place[1:], map[string]any{"place": place, "subdistrict": sdA, "business_licence": "none"})
		mustOK(t, rest.Create(schema.Inspections, insp, map[string]any{"programme": "tutoring", "kind": "survey", "place": place,
			"subdistrict": sdA, "inspected_at": "2018-06-09 02:00:00.000Z", "result": "fail"}))
		mustOK(t, phone.Create(schema.Findings, rid("lsffinding", n+1), map[string]any{"programme": "tutoring", "place": place,
			"subdistrict": sdA, "inspection": insp, "category": category, "severity": "general", "description": "收费问题"}))
	}
	fraud := func() int { return todayInA(t, srv, "2018-06-09", "fraud") }
	if n := fraud(); n != 2 {
		t.Errorf("default rule: the fraud column %d, want 2", n)
	}
	testkit.SetLocal(t, srv, localsetting.DailyFraudCountsMisappropriatedFunds, false)
	if n := fraud(); n != 1 {
		t.Errorf("setting off: the fraud column %d, want 1 (非法集资 only)", n)
	}
}

// todayInA is the day's figure of table (一)'s column in subdistrict A, as A's supervisor reads
// it through REST.
func todayInA(t *testing.T, srv *testkit.Server, day, column string) int {
	t.Helper()
	res := srv.Do(http.MethodGet, "/api/fs/tutoring/daily?day="+day+"&subdistrict="+testkit.SubdistrictA, srv.Token("users", testkit.SupervisorA), nil)
	var d tutoring.Daily
	if res.Status != http.StatusOK || json.Unmarshal(res.Body, &d) != nil || len(d.Subdistricts) != 1 {
		t.Fatalf("daily report: %d %s", res.Status, res.Body)
	}
	return d.Subdistricts[0].Centres.Today[column]
}
