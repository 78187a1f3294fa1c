package app_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// accessProbe is a served fixture app with a token for every actor of the access matrix.
type accessProbe struct {
	app    *tests.TestApp
	srv    *testkit.Server
	tokens [accessActorCount]string
	seq    int
	canSee map[string]bool // canView answers, by actor, collection and id
	// t is the running (sub)test, for the records the bodies and samples store.
	t *testing.T
}

// accessGhostID is a well-formed record id that no record has.
const accessGhostID = "zzzzzzzzzzzzzzz"

func newAccessProbe(t *testing.T) *accessProbe {
	t.Helper()
	p := &accessProbe{app: testkit.NewApp(t), canSee: map[string]bool{}, t: t}
	// A supervisor of no subdistrict is an account the users' hooks refuse (internal/access,
	// account.go); one may still exist from before that check, so the probe makes it the way
	// it came about: saved as the bureau's staff, its role then changed in the database.
	p.save(t, schema.Users, map[string]any{
		"id": accessEnvSupervisor, "email": "envsup@fieldsync.test", "password": testkit.Password,
		"role": "agency_staff", "agency": testkit.AgencyEnv, "verified": true,
	})
	if _, err := p.app.DB().Update(schema.Users, dbx.Params{"role": "supervisor"}, dbx.HashExp{"id": accessEnvSupervisor}).Execute(); err != nil {
		t.Fatal(err)
	}
	p.srv = testkit.Serve(t, p.app)
	for a := range accessActorCount {
		switch a {
		case actAnon:
		case actSuper:
			p.tokens[a] = p.srv.Token(core.CollectionNameSuperusers, testkit.Superuser)
		default:
			p.tokens[a] = p.srv.Token(schema.Users, accessAccounts[a])
		}
	}
	return p
}

func (p *accessProbe) do(a accessActor, method, path string, body any) testkit.Response {
	return p.srv.Do(method, path, p.tokens[a], body)
}

func (p *accessProbe) collection(name string) *core.Collection {
	c, err := p.app.FindCollectionByNameOrId(name)
	if err != nil {
		panic(err)
	}
	return c
}

// accessPath is the records API path of coll, or of one of its records, with a query.
func accessPath(coll, id string, q url.Values) string {
	path := "/api/collections/" + coll + "/records"
	if id != "" {
		path += "/" + id
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return path
}

// accessFilter is a list query with filter f.
func accessFilter(f string) url.Values { return url.Values{"filter": {f}} }

// accessList is a decoded list response.
type accessList struct {
	ids   []string
	total int
	items []map[string]any
}

// list lists coll as a (up to 1000 records, enough for the fixture); it fails the test unless
// the answer is 200.
func (p *accessProbe) list(t *testing.T, a accessActor, coll string, q url.Values) accessList {
	t.Helper()
	if q == nil {
		q = url.Values{}
	}
	q.Set("perPage", "1000")
	res := p.do(a, "GET", accessPath(coll, "", q), nil)
	if res.Status != 200 {
		t.Fatalf("%s lists %s?%s: %d %s", a, coll, q.Encode(), res.Status, res.Body)
	}
	var body struct {
		TotalItems int              `json:"totalItems"`
		Items      []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		t.Fatal(err)
	}
	l := accessList{total: body.TotalItems, items: body.Items}
	for _, item := range body.Items {
		l.ids = append(l.ids, fmt.Sprint(item["id"]))
	}
	return l
}

// expectForbidden checks PocketBase's answer to anyone but a superuser where a rule is nil.
func (p *accessProbe) expectForbidden(t *testing.T, res testkit.Response) {
	t.Helper()
	if res.Status != 403 || !strings.Contains(string(res.Body), "Only superusers can perform this action.") {
		t.Errorf("got %d %s, want 403 for superusers only", res.Status, res.Body)
	}
}

// canView reports whether a may view record id of coll, by asking the API.
func (p *accessProbe) canView(t *testing.T, a accessActor, coll, id string) bool {
	key := a.String() + "/" + coll + "/" + id
	if ok, seen := p.canSee[key]; seen {
		return ok
	}
	res := p.do(a, "GET", accessPath(coll, id, nil), nil)
	ok := res.Status == 200
	if !ok && res.Status != 404 && res.Status != 403 {
		t.Fatalf("%s views %s/%s: %d %s", a, coll, id, res.Status, res.Body)
	}
	p.canSee[key] = ok
	return ok
}

// accessIDs returns the ids of a relation value or of an expanded relation.
func accessIDs(v any) []string {
	switch x := v.(type) {
	case string:
		if x != "" {
			return []string{x}
		}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, accessIDs(e)...)
		}
		return out
	case map[string]any:
		return accessIDs(x["id"])
	}
	return nil
}

// accessSubdistrict returns the subdistrict of side "a" or "b".
func accessSubdistrict(side string) string {
	if side == "b" {
		return testkit.SubdistrictB
	}
	return testkit.SubdistrictA
}

func (p *accessProbe) count(t *testing.T, coll string) int64 {
	t.Helper()
	n, err := p.app.CountRecords(coll)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// fields returns the stored fields of a record, or nil when there is none.
func (p *accessProbe) fields(t *testing.T, coll, id string) map[string]any {
	t.Helper()
	r, err := p.app.FindRecordById(coll, id)
	if err != nil {
		return nil
	}
	return r.FieldsData()
}

// save stores a record through the app, as server code on its own account does.
func (p *accessProbe) save(t *testing.T, coll string, data map[string]any) *core.Record {
	t.Helper()
	r := core.NewRecord(p.collection(coll))
	r.Load(data)
	access.AsSystem(r)
	if err := p.app.Save(r); err != nil {
		t.Fatalf("save %s %v: %v", coll, data, err)
	}
	return r
}

// word returns a fresh lowercase word, for unique names and codes.
func (p *accessProbe) word() string {
	p.seq++
	return security.RandomStringWithAlphabet(8, "abcdefghijklmnopqrstuvwxyz")
}

func (p *accessProbe) hex64() string {
	return security.RandomStringWithAlphabet(64, "0123456789abcdef")
}

// The bodies of new records, one per collection, valid for any actor allowed to create them.

func (p *accessProbe) subdistrictBody(string) map[string]any {
	w := p.word()
	return map[string]any{"code": "test_" + w, "name_zh": "测试街道" + w, "name_en": "Test " + w, "kind": "jiedao"}
}

func (p *accessProbe) agencyBody(string) map[string]any {
	w := p.word()
	return map[string]any{"code": "test_" + w, "name_zh": "测试部门" + w, "name_en": "Test " + w}
}

func (p *accessProbe) userBody(side string) map[string]any {
	body := map[string]any{"email": p.word() + "@fieldsync.test", "password": testkit.Password,
		"passwordConfirm": testkit.Password, "role": "inspector", "subdistricts": []string{testkit.SubdistrictA}}
	if side == "b" {
		body["role"], body["subdistricts"], body["agency"] = "agency_staff", nil, testkit.AgencyFire
	}
	return body
}

func (p *accessProbe) placeBody(side string) map[string]any {
	return map[string]any{"kind": "venue", "name": "新场所 " + p.word(), "subdistrict": accessSubdistrict(side),
		"address": "测试路 7 号"}
}

// freshPlace stores a new place of kind on side, for records that need a place of their own.
func (p *accessProbe) freshPlace(side, kind string) string {
	body := p.placeBody(side)
	body["kind"] = kind
	return p.save(p.t, schema.Places, body).Id
}

func (p *accessProbe) householdBody(side string) map[string]any {
	return map[string]any{"place": p.freshPlace(side, "household"), "subdistrict": accessSubdistrict(side),
		"head_name": "新住户"}
}

func (p *accessProbe) centreBody(side string) map[string]any {
	return map[string]any{"place": p.freshPlace(side, "tutoring_centre"), "subdistrict": accessSubdistrict(side)}
}

func (p *accessProbe) classBody(side string) map[string]any {
	return map[string]any{"centre": testkit.Side("centre", side), "subdistrict": accessSubdistrict(side),
		"name": "少儿编程"}
}

func (p *accessProbe) siteBody(side string) map[string]any {
	return map[string]any{"place": p.freshPlace(side, "construction_site"), "subdistrict": accessSubdistrict(side)}
}

func (p *accessProbe) photoBody(side string) map[string]any {
	return map[string]any{"sha256": p.hex64(), "subdistrict": accessSubdistrict(side)}
}

func (p *accessProbe) blobBody(string) map[string]any {
	return map[string]any{"sha256": p.hex64(), "size": 1000, "mime": "image/jpeg", "width": 4, "height": 3}
}

// blobSamples are two blob records, saved directly: the upload path is the only door.
func (p *accessProbe) blobSamples() [2]string { return p.seed(schema.Blobs, p.blobBody) }

func (p *accessProbe) inspectionBody(side string) map[string]any {
	return map[string]any{"programme": "fire", "kind": "routine", "place": testkit.Side("venue", side),
		"subdistrict": accessSubdistrict(side), "inspected_at": "2018-06-01 09:00:00.000Z", "result": "pass"}
}

func (p *accessProbe) findingBody(side string) map[string]any {
	return map[string]any{"programme": "fire", "place": testkit.Side("venue", side),
		"subdistrict": accessSubdistrict(side), "category": "fire.wiring", "severity": "general",
		"description": "私拉电线"}
}

func (p *accessProbe) referralBody(side string) map[string]any {
	return map[string]any{"finding": testkit.Side("finding", side), "subdistrict": accessSubdistrict(side),
		"agency": testkit.AgencyFire, "deadline": "2018-06-10 00:00:00.000Z", "reason": "请报到"}
}

func (p *accessProbe) enforcementBody(side string) map[string]any {
	return map[string]any{"finding": testkit.Side("finding", side), "subdistrict": accessSubdistrict(side),
		"measure": "referral", "decided_at": "2018-05-04 00:00:00.000Z"}
}

// quotaBody: a quota's figures are each one writer's (the demand the subdistrict's, the quota
// the brigade's), so the body every creator may send names only the quota's keys.
func (p *accessProbe) quotaBody(side string) map[string]any {
	p.seq++
	return map[string]any{"subdistrict": accessSubdistrict(side), "unit_type": "ordinary", "year": 2019 + p.seq}
}

func (p *accessProbe) siteListBody(side string) map[string]any {
	p.seq++
	return map[string]any{"subdistrict": accessSubdistrict(side), "quarter": fmt.Sprintf("20%02d-Q2", 19+p.seq), "site_count": 0}
}

func (p *accessProbe) samplingBody(side string) map[string]any {
	return map[string]any{"sampled_on": "2018-09-03 00:00:00.000Z", "product": "独立式感烟火灾探测报警器",
		"batch": "新批次-" + side, "result": "pending"}
}

// installBody: the serial is unique across the district, and the server derives the
// household's eligibility (internal/smokealarm).
func (p *accessProbe) installBody(side string) map[string]any {
	p.seq++
	return map[string]any{"household": testkit.Side("home", side), "subdistrict": accessSubdistrict(side),
		"unit_type": "ordinary", "installed_on": "2018-08-01 00:00:00.000Z",
		"serial": fmt.Sprintf("SN-%s-%04d", side, p.seq), "location_in_home": "客厅", "consent": true}
}

func (p *accessProbe) followupBody(side string) map[string]any {
	return map[string]any{"install": testkit.Side("install", side), "subdistrict": accessSubdistrict(side),
		"visited_on": "2018-10-01 00:00:00.000Z", "result": "pass"}
}

func (p *accessProbe) landEntryBody(side string) map[string]any {
	return map[string]any{"place": testkit.Side("land", side), "subdistrict": accessSubdistrict(side),
		"recorded_on": "2018-05-20 00:00:00.000Z", "area_m2": 800, "state": "covered", "treatment": "cover"}
}

func (p *accessProbe) dustfallBody(side string) map[string]any {
	p.seq++
	return map[string]any{"subdistrict": accessSubdistrict(side),
		"month": fmt.Sprintf("20%02d-%02d", 30+p.seq/12, p.seq%12+1), "tons_per_km2": 6.5}
}

func (p *accessProbe) reportBody(side string) map[string]any {
	return map[string]any{"tracking_no": "T-" + strings.ToUpper(p.word()), "category": "tutoring.beyond_curriculum",
		"subdistrict": accessSubdistrict(side), "description": "周末超前教学"}
}

func (p *accessProbe) contactBody(side string) map[string]any {
	report := p.save(p.t, schema.Reports, p.reportBody(side)).Id
	return map[string]any{"report": report, "name": "新家长", "phone": "13600000001"}
}

func (p *accessProbe) reportUpdateBody(side string) map[string]any {
	return map[string]any{"report": testkit.Side("report", side), "subdistrict": accessSubdistrict(side),
		"kind": "info", "text": "补充 " + p.word()}
}

func (p *accessProbe) receiptBody(side string) map[string]any {
	return map[string]any{"report": testkit.Side("report", side), "token_hash": p.hex64(), "expires": "2030-01-01 00:00:00.000Z"}
}

func (p *accessProbe) receiptSamples() [2]string { return p.seed(schema.ReportReceipts, p.receiptBody) }

func (p *accessProbe) trackingCodeBody(side string) map[string]any {
	return map[string]any{"report": testkit.Side("report", side), "tracking_no": "HD-201806-" + side, "sealed": p.hex64()}
}

func (p *accessProbe) trackingCodeSamples() [2]string {
	return p.seed(schema.TrackingCodes, p.trackingCodeBody)
}

func (p *accessProbe) reportMailBody(side string) map[string]any {
	return map[string]any{"report": testkit.Side("report", side), "status": "triaged", "next_at": "2030-01-01 00:00:00.000Z"}
}

func (p *accessProbe) reportMailSamples() [2]string {
	return p.seed(schema.ReportMail, p.reportMailBody)
}

func (p *accessProbe) open311KeyBody(string) map[string]any {
	return map[string]any{"name": "client " + p.word(), "key_hash": p.hex64(), "active": true}
}

func (p *accessProbe) open311KeySamples() [2]string {
	return p.seed(schema.Open311Keys, p.open311KeyBody)
}

func (p *accessProbe) auditBody(string) map[string]any {
	return map[string]any{"coll": schema.Findings, "record_id": accessGhostID, "action": "update",
		"actor_kind": "system", "door": "system"}
}

// auditSamples are the audit rows of the creation of findings A and B.
func (p *accessProbe) auditSamples() [2]string {
	var out [2]string
	for i, side := range []string{"a", "b"} {
		r, err := p.app.FindFirstRecordByFilter(schema.AuditLog, "coll = {:coll} && record_id = {:id}",
			dbx.Params{"coll": schema.Findings, "id": testkit.Side("finding", side)})
		if err != nil {
			panic(fmt.Sprintf("audit row of finding %s: %v", side, err))
		}
		out[i] = r.Id
	}
	return out
}

// inspector returns the inspector of side.
func accessInspector(side string) string {
	if side == "b" {
		return testkit.InspectorB
	}
	return testkit.InspectorA
}

func (p *accessProbe) syncClientBody(side string) map[string]any {
	return map[string]any{"client_id": "phone-" + p.word(), "user": accessInspector(side)}
}

func (p *accessProbe) syncIssueBody(side string) map[string]any {
	return map[string]any{"user": accessInspector(side), "subdistrict": accessSubdistrict(side),
		"client_id": "phone-" + p.word(), "mid": 1, "kind": p.firstValue("sync_issues", "kind"),
		"status": p.firstValue("sync_issues", "status"), "coll": schema.Findings}
}

func (p *accessProbe) syncJournalBody(side string) map[string]any {
	return map[string]any{"client_id": "phone-" + p.word(), "user": accessInspector(side), "hash": p.hex64()}
}

// notificationBody is a notification for the inspector of side: each user reads and marks
// read only their own.
func (p *accessProbe) notificationBody(side string) map[string]any {
	return map[string]any{"user": accessInspector(side), "kind": p.firstValue(schema.Notifications, "kind"),
		"subdistrict": accessSubdistrict(side), "message": "逾期提醒 " + p.word()}
}

func (p *accessProbe) notificationSamples() [2]string {
	return p.seed(schema.Notifications, p.notificationBody)
}

func (p *accessProbe) syncClientSamples() [2]string { return p.seed("sync_clients", p.syncClientBody) }
func (p *accessProbe) syncIssueSamples() [2]string  { return p.seed("sync_issues", p.syncIssueBody) }
func (p *accessProbe) syncJournalSamples() [2]string {
	return p.seed("sync_journal", p.syncJournalBody)
}

// seed stores a side a and a side b record of coll, for collections the fixture leaves empty.
func (p *accessProbe) seed(coll string, body func(string) map[string]any) [2]string {
	return [2]string{p.save(p.t, coll, body("a")).Id, p.save(p.t, coll, body("b")).Id}
}

// firstValue returns the first value a select field of coll allows.
func (p *accessProbe) firstValue(coll, field string) string {
	f, ok := p.collection(coll).Fields.GetByName(field).(*core.SelectField)
	if !ok || len(f.Values) == 0 {
		panic(fmt.Sprintf("%s.%s is not a select field", coll, field))
	}
	return f.Values[0]
}
