package publicweb_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/rectify"
	"github.com/haidian/fieldsync/internal/reports"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/testkit"
)

// The reporter's contact, which no page may show.
var contact = []string{"13911112222", "sun.parent@example.com", "孙丽"}

// reportForm fills the form of page (from /r) with a valid report of centre a.
func reportForm(t *testing.T, body string) url.Values {
	t.Helper()
	return url.Values{"key": {hidden(t, body, "key")}, "device": {hidden(t, body, "device")},
		"centre": {testkit.Side("centre", "a")}, "category": {"tutoring.exam_cramming"},
		"description": {"五年级数学班周末教初中方程"}, "name": {"孙丽"}, "phone": {"13911112222"}, "email": {"sun.parent@example.com"}}
}

var (
	trackingRE = regexp.MustCompile(`id="tracking">(HD-\d{6}-[0-9A-Z]{6})<`)
	codeRE     = regexp.MustCompile(`id="code">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<`)
)

// TestReport_SubmitAndTrack: a parent reports a centre from its page, gets a tracking number,
// a short code and a link; a double tap makes one report; the link and the code typed into
// the find form open the tracking page; a wrong code opens nothing; the contact is on no page.
func TestReport_SubmitAndTrack(t *testing.T) {
	srv := newServer(t)
	form := get(t, srv, "/r?centre="+testkit.Side("centre", "a"))
	if form.status != http.StatusOK || !strings.Contains(form.body, "学而思测试校区 a") || !strings.Contains(form.body, "督办主管") {
		t.Fatalf("form: %d %s", form.status, form.body)
	}
	if strings.Index(form.body, "tutoring.unlicensed") > strings.Index(form.body, `value="fire"`) {
		t.Errorf("the tutoring categories do not come first")
	}
	values := reportForm(t, form.body)
	done := post(t, srv, "/r", values)
	if done.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", done.status, done.body)
	}
	tm, cm := trackingRE.FindStringSubmatch(done.body), codeRE.FindStringSubmatch(done.body)
	if tm == nil || cm == nil {
		t.Fatalf("no tracking number or code: %s", done.body)
	}
	tracking, code := tm[1], cm[1]
	link := publicBase + "/t/" + tracking + "/" + code
	if !strings.Contains(done.body, `href="`+link+`"`) {
		t.Errorf("no link %s", link)
	}
	again := post(t, srv, "/r", values) // a double tap
	if m := trackingRE.FindStringSubmatch(again.body); m == nil || m[1] != tracking {
		t.Errorf("the double tap: %d", again.status)
	}
	if n, _ := srv.App.CountRecords(schema.Reports, dbx.HashExp{"tracking_no": tracking}); n != 1 {
		t.Errorf("%d reports", n)
	}
	r, err := srv.App.FindFirstRecordByFilter(schema.Reports, "tracking_no = {:t}", dbx.Params{"t": tracking})
	if err != nil || r.GetString("place") != testkit.Side("centreplace", "a") || r.GetString("source") != "web" {
		t.Fatalf("stored: %v %v", r, err)
	}

	track := get(t, srv, "/t/"+tracking+"/"+code)
	if track.status != http.StatusOK || !strings.Contains(track.body, "已受理") || !strings.Contains(track.body, "学而思测试校区 a") {
		t.Fatalf("track: %d %s", track.status, track.body)
	}
	// Typed in lower case and without dashes, as a person may.
	typed := strings.ToLower(strings.ReplaceAll(code, "-", ""))
	found := post(t, srv, "/t", url.Values{"tracking": {tracking}, "code": {typed}})
	if found.status != http.StatusSeeOther || found.header.Get("Location") != "/t/"+tracking+"/"+code {
		t.Errorf("find: %d %s", found.status, found.header.Get("Location"))
	}
	wrong := []byte(code)
	wrong[0] = map[bool]byte{true: '3', false: '2'}[wrong[0] == '2']
	if p := get(t, srv, "/t/"+tracking+"/"+string(wrong)); p.status != http.StatusForbidden || !strings.Contains(p.body, "受理编号或查询码不对") || strings.Contains(p.body, "已受理") {
		t.Errorf("wrong code: %d", p.status)
	}
	for _, p := range []page{form, done, again, track} {
		for _, c := range contact {
			if strings.Contains(p.body, c) && !strings.Contains(p.body, `value="`+c+`"`) {
				t.Errorf("a page shows the contact %q", c)
			}
		}
	}
	for _, c := range contact {
		if strings.Contains(done.body+track.body, c) {
			t.Errorf("the receipt or tracking page shows %q", c)
		}
	}
}

// TestReport_BadInput: every form refuses bad input with a Chinese message beside the field,
// and nothing is stored.
func TestReport_BadInput(t *testing.T) {
	srv := newServer(t)
	form := get(t, srv, "/r")
	before, _ := srv.App.CountRecords(schema.Reports)
	bad := url.Values{"key": {hidden(t, form.body, "key")}, "device": {hidden(t, form.body, "device")},
		"description": {"太短"}, "phone": {"call me"}, "email": {"not-an-address"}, "lat": {"north"}}
	p := post(t, srv, "/r", bad)
	if p.status != http.StatusBadRequest {
		t.Fatalf("bad form: %d", p.status)
	}
	for id, msg := range map[string]string{"location-error": "经纬度"} {
		if !regexp.MustCompile(`id="` + id + `">[^<]*` + msg).MatchString(p.body) {
			t.Errorf("no %s beside its field", id)
		}
	}
	// The form's own check first (the point); then the reports module's, with the point left out.
	bad.Del("lat")
	p = post(t, srv, "/r", bad)
	for id, msg := range map[string]string{"category-error": "请选择举报类别", "description-error": "至少 5 个字",
		"phone-error": "电话号码格式不对", "email-error": "邮箱格式不对"} {
		if !regexp.MustCompile(`id="` + id + `">[^<]*` + msg).MatchString(p.body) {
			t.Errorf("no %q beside its field: %d", msg, p.status)
		}
	}
	if !strings.Contains(p.body, `value="call me"`) {
		t.Errorf("what was typed is lost")
	}
	if after, _ := srv.App.CountRecords(schema.Reports); after != before {
		t.Errorf("%d reports stored", after-before)
	}
	if p := post(t, srv, "/t", url.Values{"tracking": {"HD-1"}, "code": {"abc"}}); p.status != http.StatusBadRequest ||
		!strings.Contains(p.body, `id="tracking-error"`) || !strings.Contains(p.body, `id="code-error"`) {
		t.Errorf("find form: %d", p.status)
	}
}

// fixThroughAPI handles report r as staff do, through POST /api/fs/commands: the supervisor
// assigns it, the inspector links a finding, which is ordered, re-inspected with a pass and
// closed: the report is then fixed.
func fixThroughAPI(t *testing.T, srv *testkit.Server, reportID string) {
	t.Helper()
	cmd := func(user, name, coll, id string, args map[string]any) {
		t.Helper()
		res := srv.Do(http.MethodPost, "/api/fs/commands", srv.Token("users", user), sync.CommandRequest{Name: name, Coll: coll, ID: id, Args: args})
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	cmd(testkit.SupervisorA, reports.AssignCommand, schema.Reports, reportID, map[string]any{"inspector": testkit.InspectorA})
	testkit.Save(t, srv.App, schema.Inspections, "inspection00001", map[string]any{"programme": "tutoring", "kind": "routine",
		"place": testkit.Side("centreplace", "a"), "subdistrict": testkit.SubdistrictA, "inspector": testkit.InspectorA,
		"inspected_at": "2030-05-02 02:00:00.000Z", "result": "fail"})
	testkit.Save(t, srv.App, schema.Findings, "finding00000001", map[string]any{"programme": "tutoring", "place": testkit.Side("centreplace", "a"),
		"subdistrict": testkit.SubdistrictA, "inspection": "inspection00001", "category": "tutoring.exam_cramming",
		"severity": "general", "status": "open", "description": "周末开设应试班", "author": testkit.InspectorA})
	cmd(testkit.InspectorA, reports.LinkCommand, schema.Reports, reportID, map[string]any{"finding": "finding00000001"})
	cmd(testkit.InspectorA, rectify.OrderCommand, schema.Findings, "finding00000001", map[string]any{"deadline": "2030-06-01 00:00:00.000Z", "responsible_party": "负责人"})
	testkit.Save(t, srv.App, schema.Inspections, "reinspection001", map[string]any{"programme": "tutoring", "kind": "reinspection",
		"place": testkit.Side("centreplace", "a"), "subdistrict": testkit.SubdistrictA, "inspector": testkit.InspectorA,
		"inspected_at": "2030-05-20 02:00:00.000Z", "result": "pass", "photos": []string{testkit.Side("photo", "a")}})
	cmd(testkit.InspectorA, rectify.ReinspectCommand, schema.Findings, "finding00000001", map[string]any{"inspection": "reinspection001"})
	cmd(testkit.InspectorA, rectify.CloseCommand, schema.Findings, "finding00000001", nil)
}
