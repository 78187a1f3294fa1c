package app_test

import (
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// The access matrix: for every collection of the live app, which actor may list, view,
// create, update and delete which of the collection's two sample records, one in
// subdistrict A ("a") and one in subdistrict B ("b"). TestAccess_Matrix walks every
// collection the migrations create, so a collection without a row here fails the test.
//
// A denial reveals nothing: a record an actor may not see answers exactly like a record that
// does not exist (same status, same body), a list shows no hidden row and no count of them.

// accessActor is a principal of the matrix.
type accessActor int

// The actors, in the order of the matrix columns.
const (
	actAnon   accessActor = iota // no token
	actInspA                     // inspector of subdistrict A
	actInspB                     // inspector of subdistrict B
	actSupA                      // supervisor of subdistrict A
	actFire                      // fire-brigade staff; findings of A are referred to the brigade
	actEnv                       // environment-bureau staff
	actEnvSup                    // environment-bureau supervisor: a supervisor of no subdistrict
	actSuper                     // district administrator (PocketBase superuser)
	accessActorCount
)

var accessActorNames = [accessActorCount]string{
	"anonymous", "inspectorA", "inspectorB", "supervisorA", "fireStaff", "envStaff", "envSupervisor", "superuser",
}

func (a accessActor) String() string { return accessActorNames[a] }

// accessEnvSupervisor is the account of actEnvSup, which the fixture lacks; each probe adds it.
var accessEnvSupervisor = testkit.ID("envsup")

// accessAccounts are the actors' account ids ("" for anonymous).
var accessAccounts = [accessActorCount]string{"", testkit.InspectorA, testkit.InspectorB, testkit.SupervisorA,
	testkit.FireStaff, testkit.EnvStaff, accessEnvSupervisor, testkit.Superuser}

// accessCells says, per actor, which samples an action may touch: "", "a", "b" or "ab".
type accessCells [accessActorCount]string

// with returns c with actor a's cell set to sides.
func (c accessCells) with(a accessActor, sides string) accessCells {
	c[a] = sides
	return c
}

// superOnly reports whether no one but a superuser may act. Such actions must have nil rules,
// which PocketBase answers with 403 before it looks at any record.
func (c accessCells) superOnly() bool {
	for a, sides := range c {
		if accessActor(a) != actSuper && sides != "" {
			return false
		}
	}
	return true
}

// Cells shared by many collections.
var (
	accNobody   = accessCells{}
	accSuper    = accessCells{actSuper: "ab"}
	accEveryone = accessCells{"ab", "ab", "ab", "ab", "ab", "ab", "ab", "ab"}
	// accBySide: the inspectors and supervisors of a subdistrict, and superusers everywhere.
	accBySide = accessCells{actInspA: "a", actInspB: "b", actSupA: "a", actSuper: "ab"}
	// accStaff: every signed-in staff member, whatever the subdistrict or agency.
	accStaff = accessCells{"", "ab", "ab", "ab", "ab", "ab", "ab", "ab"}
)

// accessRow is one collection's expected access, with what the walk needs to exercise it.
type accessRow struct {
	// read is who may view, list and filter; list, when set, is who may list and filter
	// where that differs.
	read, create, update, del accessCells
	list                      *accessCells

	// samples returns the ids of the side a and side b records.
	samples func(p *accessProbe) [2]string
	// body returns a valid new record on side "a" or "b" (nil for views).
	body func(p *accessProbe, side string) map[string]any
	// change is an update that every actor allowed to update may make, field policies included.
	change map[string]any
}

// accessFixture returns the samples named by testkit.Side(name, side).
func accessFixture(name string) func(*accessProbe) [2]string {
	return func(*accessProbe) [2]string { return [2]string{testkit.Side(name, "a"), testkit.Side(name, "b")} }
}

func accessSamplesOf(a, b string) func(*accessProbe) [2]string {
	return func(*accessProbe) [2]string { return [2]string{a, b} }
}

// accessMatrix is the expected access to every collection. Business records are never
// deleted by staff: their delete rules are nil, so only district administrators delete.
var accessMatrix = map[string]accessRow{
	schema.Subdistricts: {read: accEveryone, create: accSuper, update: accSuper, del: accSuper,
		samples: accessSamplesOf(testkit.SubdistrictA, testkit.SubdistrictB), body: (*accessProbe).subdistrictBody,
		change: map[string]any{"name_en": "Renamed"}},
	schema.Agencies: {read: accEveryone, create: accSuper, update: accSuper, del: accSuper,
		samples: accessSamplesOf(testkit.AgencyFire, testkit.AgencyEnv), body: (*accessProbe).agencyBody,
		change: map[string]any{"name_en": "Renamed"}},
	// Users: side a is inspector A, side b the fire brigade's staff member, a user of no
	// subdistrict. Staff see themselves; supervisors see the staff of their subdistricts.
	schema.Users: {
		read:    accessCells{actInspA: "a", actSupA: "a", actFire: "b", actSuper: "ab"},
		create:  accSuper,
		update:  accessCells{actInspA: "a", actFire: "b", actSuper: "ab"},
		del:     accSuper,
		samples: accessSamplesOf(testkit.InspectorA, testkit.FireStaff), body: (*accessProbe).userBody,
		change: map[string]any{"name": "新名字"}},
	// Agency staff read the places that have a finding referred to their agency.
	schema.Places: {read: accBySide.with(actFire, "a"), create: accBySide, update: accBySide, del: accSuper,
		samples: accessFixture("venue"), body: (*accessProbe).placeBody,
		change: map[string]any{"address": "测试路 9 号"}},
	schema.Households: {read: accBySide, create: accBySide, update: accBySide, del: accSuper,
		samples: accessFixture("household"), body: (*accessProbe).householdBody,
		change: map[string]any{"notes": "复访"}},
	schema.Centres: {read: accBySide, create: accBySide, update: accBySide, del: accSuper,
		samples: accessFixture("centre"), body: (*accessProbe).centreBody,
		change: map[string]any{"wechat": "xueersi_test"}},
	schema.CentreClasses: {read: accBySide, create: accBySide, update: accBySide, del: accSuper,
		samples: accessFixture("class"), body: (*accessProbe).classBody,
		change: map[string]any{"schedule": "周六上午"}},
	schema.Incidents: {read: accBySide, create: accBySide, update: accBySide, del: accSuper,
		samples: accessFixture("incident"), body: (*accessProbe).incidentBody,
		change: map[string]any{"handling": "已约谈机构负责人"}},
	schema.Sites: {read: accBySide, create: accBySide, update: accBySide, del: accSuper,
		samples: accessFixture("site"), body: (*accessProbe).siteBody,
		change: map[string]any{"contractor": "某建设公司"}},
	// Photos are evidence: uploaded once, never edited by staff.
	schema.Photos: {read: accBySide, create: accBySide, update: accSuper, del: accSuper,
		samples: accessFixture("photo"), body: (*accessProbe).photoBody,
		change: map[string]any{"mime": "image/png"}},
	// Blobs are the bytes behind photos (internal/blobs): only the upload path writes them;
	// district administrators read them in the admin UI and may delete one.
	schema.Blobs: {read: accSuper, create: accNobody, update: accNobody, del: accSuper,
		samples: (*accessProbe).blobSamples, body: (*accessProbe).blobBody,
		change: map[string]any{"mime": "image/png"}},
	// An agency reads the inspection behind a finding referred to it.
	schema.Inspections: {read: accBySide.with(actFire, "a"), create: accBySide, update: accBySide, del: accSuper,
		samples: accessFixture("inspection"), body: (*accessProbe).inspectionBody,
		change: map[string]any{"notes": "补充说明"}},
	// The agency a finding is referred to reads it; it acts through the referral, not by
	// editing the subdistrict's finding.
	schema.Findings: {
		read: accBySide.with(actFire, "a"), create: accBySide, update: accBySide, del: accSuper,
		samples: accessFixture("finding"), body: (*accessProbe).findingBody,
		change: map[string]any{"responsible_party": "房东"}},
	// Both fixture referrals are addressed to the fire brigade, so its staff read both, though
	// they read only finding A (finding B names no agency). The referring supervisor sets the
	// terms; the agency answers through the referral commands, not by editing the record.
	schema.Referrals: {
		read:    accBySide.with(actFire, "ab"),
		create:  accessCells{actSupA: "a", actSuper: "ab"},
		update:  accessCells{actSupA: "a", actSuper: "ab"},
		del:     accSuper,
		samples: accessFixture("referral"), body: (*accessProbe).referralBody,
		change: map[string]any{"reason": "涉及违法建设, 请消防支队报到"}},
	// Subdistricts and the agency a finding is referred to both refer onward (移送, gazette line
	// 3454); which other measure each may order is internal/rectify's authority test.
	schema.Enforcements: {read: accBySide.with(actFire, "a"), create: accBySide.with(actFire, "a"), update: accSuper, del: accSuper,
		samples: accessFixture("enforce"), body: (*accessProbe).enforcementBody,
		change: map[string]any{"notes": "已约谈"}},
	// A subdistrict's supervisors report its demand, the fire brigade allocates every
	// subdistrict's quota (gazette line 3496); which field is whose is the access policy's.
	schema.AlarmQuotas: {read: accBySide.with(actFire, "ab"),
		create:  accessCells{actSupA: "a", actFire: "ab", actSuper: "ab"},
		update:  accessCells{actSupA: "a", actFire: "ab", actSuper: "ab"},
		del:     accSuper,
		samples: accessFixture("quota"), body: (*accessProbe).quotaBody,
		change: map[string]any{"notes": "按人口基数复核"}},
	// Product samples sent for testing are the fire brigade's own record (line 3392).
	schema.AlarmSamplings: {read: accessCells{actFire: "ab", actSuper: "ab"},
		create: accessCells{actFire: "ab", actSuper: "ab"}, update: accessCells{actFire: "ab", actSuper: "ab"}, del: accSuper,
		samples: accessFixture("sampling"), body: (*accessProbe).samplingBody,
		change: map[string]any{"result": "pass"}},
	schema.AlarmInstalls: {read: accBySide, create: accBySide, update: accBySide, del: accSuper,
		samples: accessFixture("install"), body: (*accessProbe).installBody,
		change: map[string]any{"location_in_home": "卧室"}},
	// The follow-up ledger of smoke-alarm units is append-only for staff.
	schema.AlarmFollowups: {read: accBySide, create: accBySide, update: accSuper, del: accSuper,
		samples: accessFixture("followup"), body: (*accessProbe).followupBody,
		change: map[string]any{"notes": "复测正常"}},
	// The bare-land ledger is append-only for staff.
	schema.LandEntries: {read: accBySide, create: accBySide, update: accSuper, del: accSuper,
		samples: accessFixture("landentry"), body: (*accessProbe).landEntryBody,
		change: map[string]any{"notes": "已苫盖"}},
	// Dust fall is published to all staff for the monthly ranking; the environment bureau
	// records it.
	schema.Dustfall: {
		read:    accStaff,
		create:  accessCells{actEnv: "ab", actEnvSup: "ab", actSuper: "ab"},
		update:  accessCells{actEnv: "ab", actEnvSup: "ab", actSuper: "ab"},
		del:     accSuper,
		samples: accessFixture("dustfall"), body: (*accessProbe).dustfallBody,
		change: map[string]any{"tons_per_km2": 8.25}},
	// The quarterly site lists: the subdistrict's staff and the environment bureau read them
	// (gazette line 3739); only the dust module's route writes them.
	schema.SiteLists: {read: accBySide.with(actEnv, "ab").with(actEnvSup, "ab"), create: accSuper, update: accSuper, del: accSuper,
		samples: accessFixture("sitelist"), body: (*accessProbe).siteListBody,
		change: map[string]any{"site_count": 2}},
	// Residents report through the reports module's own route, not the records API.
	schema.Reports: {read: accBySide, create: accSuper, update: accessCells{actSupA: "a", actSuper: "ab"}, del: accSuper,
		samples: accessFixture("report"), body: (*accessProbe).reportBody,
		change: map[string]any{"address": "培训街 3 号 2 层"}},
	// Reporters' contact details: supervisors of the handling subdistrict view them, by id or
	// through their report; nobody but superusers lists them, so no filter goes through them.
	schema.ReportContacts: {
		read: accessCells{actSupA: "a", actSuper: "ab"}, list: &accSuper,
		create: accSuper, update: accSuper, del: accSuper,
		samples: accessFixture("contact"), body: (*accessProbe).contactBody,
		change: map[string]any{"name": "李先生"}},
	// Reporters' additions: staff of the subdistrict read them; only the reports module writes.
	schema.ReportUpdates: {read: accBySide, create: accSuper, update: accSuper, del: accSuper,
		samples: accessFixture("update"), body: (*accessProbe).reportUpdateBody,
		change: map[string]any{"text": "再补充一条"}},
	// Receipts (hashes of their ids) and Open311 keys (hashes): district administrators only.
	schema.ReportReceipts: {read: accSuper, create: accSuper, update: accSuper, del: accSuper,
		samples: (*accessProbe).receiptSamples, body: (*accessProbe).receiptBody,
		change: map[string]any{"revoked": true}},
	// Reporters' receipts sealed under their short codes (internal/publicweb): administrators only.
	schema.TrackingCodes: {read: accSuper, create: accSuper, update: accSuper, del: accSuper,
		samples: (*accessProbe).trackingCodeSamples, body: (*accessProbe).trackingCodeBody,
		change: map[string]any{"sealed": "c2VhbGVk"}},
	// Reporters' e-mail updates waiting to be sent (internal/publicweb): administrators only.
	schema.ReportMail: {read: accSuper, create: accSuper, update: accSuper, del: accSuper,
		samples: (*accessProbe).reportMailSamples, body: (*accessProbe).reportMailBody,
		change: map[string]any{"attempts": 3}},
	schema.Open311Keys: {read: accSuper, create: accSuper, update: accSuper, del: accSuper,
		samples: (*accessProbe).open311KeySamples, body: (*accessProbe).open311KeyBody,
		change: map[string]any{"active": false}},
	// The audit trail: district administrators read it; only the system appends to it, and
	// nobody changes or deletes a row (the audit module refuses it even to superusers).
	schema.AuditLog: {read: accSuper, create: accNobody, update: accNobody, del: accNobody,
		samples: (*accessProbe).auditSamples, body: (*accessProbe).auditBody,
		change: map[string]any{"door": "admin"}},
	// The agencies' registries: district administrators only; supervisors read their own
	// import jobs through the tutoring routes.
	// The plans' milestones: settings every staff member reads and only administrators edit.
	schema.Milestones: {read: accStaff, create: accSuper, update: accSuper, del: accSuper,
		samples: (*accessProbe).milestoneSamples, body: (*accessProbe).milestoneBody,
		change: map[string]any{"target": 0.5}},
	// The district's local choices: staff read them, only administrators edit them.
	schema.LocalSettings: {read: accStaff, create: accSuper, update: accSuper, del: accSuper,
		samples: (*accessProbe).localSettingSamples, body: (*accessProbe).localSettingBody,
		change: map[string]any{"value": false}},
	schema.RegistryImports: {read: accSuper, create: accSuper, update: accSuper, del: accSuper,
		samples: (*accessProbe).registryImportSamples, body: (*accessProbe).registryImportBody,
		change: map[string]any{"file_name": "renamed.csv"}},
	schema.RegistryEntries: {read: accSuper, create: accSuper, update: accSuper, del: accSuper,
		samples: (*accessProbe).registryEntrySamples, body: (*accessProbe).registryEntryBody,
		change: map[string]any{"address": "学院路 1 号"}},
	// The public views: anyone reads them, nobody writes through them.
	schema.PublicCentres: {read: accEveryone, create: accNobody, update: accNobody, del: accNobody,
		samples: accessFixture("centre"), change: map[string]any{"name": "改名"}},
	schema.PublicCentreClasses: {read: accEveryone, create: accNobody, update: accNobody, del: accNobody,
		samples: accessFixture("class"), change: map[string]any{"name": "改名"}},
	// The sync module's collections: a phone's installation and the issues of its pushes
	// belong to its user; supervisors read the issues of their subdistricts; the push journal
	// is for administrators.
	schema.Notifications: {read: accessCells{actInspA: "a", actInspB: "b", actSuper: "ab"},
		create: accSuper, update: accessCells{actInspA: "a", actInspB: "b", actSuper: "ab"}, del: accSuper,
		samples: (*accessProbe).notificationSamples, body: (*accessProbe).notificationBody,
		change: map[string]any{"read": true}},
	// A device's user and the supervisors of the user's subdistricts revoke it (nothing else:
	// internal/sync/revoke.go). Revoking signs the device's user out, so later checks of the
	// inspectors run as anonymous.
	"sync_clients": {read: accBySide, create: accSuper, update: accBySide, del: accSuper,
		samples: (*accessProbe).syncClientSamples, body: (*accessProbe).syncClientBody,
		change: map[string]any{"revoked": true}},
	"sync_issues": {read: accBySide, create: accSuper, update: accSuper, del: accSuper,
		samples: (*accessProbe).syncIssueSamples, body: (*accessProbe).syncIssueBody,
		change: map[string]any{"message": "已处理"}},
	"sync_journal": {read: accSuper, create: accSuper, update: accSuper, del: accSuper,
		samples: (*accessProbe).syncJournalSamples, body: (*accessProbe).syncJournalBody,
		change: map[string]any{"skew_flagged": true}},
}

// TestAccess_Matrix walks every collection of the live app through every actor and action of
// its row in accessMatrix: list, view, filter, expand, create, update and delete.
func TestAccess_Matrix(t *testing.T) {
	live := accessCollections(t)
	walked := 0
	for _, name := range live {
		if _, ok := accessMatrix[name]; !ok {
			t.Errorf("collection %q has no row in accessMatrix: write down who may do what with it", name)
			continue
		}
		walked++
	}
	for name := range accessMatrix {
		if !slices.Contains(live, name) {
			t.Logf("accessMatrix has a row for %q, which the migrations do not create", name)
		}
	}
	t.Logf("%d collections x %d actions x %d actors = %d cells", walked, len(accessChecks), accessActorCount,
		walked*len(accessChecks)*int(accessActorCount))
	for _, name := range live {
		row, ok := accessMatrix[name]
		if !ok {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newAccessProbe(t)
			w := accessWalk{p: p, c: p.collection(name), row: row, samples: row.samples(p)}
			for _, check := range accessChecks {
				t.Run(check.name, func(t *testing.T) {
					for a := range accessActorCount {
						t.Run(a.String(), func(t *testing.T) {
							p.t = t
							check.run(w, t, a)
						})
					}
				})
			}
		})
	}
}

// accessCollections lists the live app's collections, PocketBase's own ("_" names) aside.
func accessCollections(t *testing.T) []string {
	app := testkit.NewApp(t)
	all, err := app.FindAllCollections()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range all {
		if !strings.HasPrefix(c.Name, "_") {
			names = append(names, c.Name)
		}
	}
	slices.Sort(names)
	return names
}

// accessWalk is one collection under test.
type accessWalk struct {
	p       *accessProbe
	c       *core.Collection
	row     accessRow
	samples [2]string
}

var accessChecks = []struct {
	name string
	run  func(w accessWalk, t *testing.T, a accessActor)
}{
	{"list", accessWalk.list},
	{"view", accessWalk.view},
	{"filter", accessWalk.filter},
	{"expand", accessWalk.expand},
	{"create", accessWalk.create},
	{"update", accessWalk.update},
	{"delete", accessWalk.delete},
}

// listCells are who may list and filter the collection.
func (w accessWalk) listCells() accessCells {
	if w.row.list != nil {
		return *w.row.list
	}
	return w.row.read
}

// readForbidden reports whether a is refused the whole collection (a nil list rule).
func (w accessWalk) readForbidden(a accessActor) bool {
	return a != actSuper && w.listCells().superOnly()
}

// list: a sees exactly the samples its cell names, only rows of the subdistricts the cell
// names, and a total that counts no hidden row.
func (w accessWalk) list(t *testing.T, a accessActor) {
	if w.readForbidden(a) {
		w.p.expectForbidden(t, w.p.do(a, "GET", accessPath(w.c.Name, "", nil), nil))
		return
	}
	l := w.p.list(t, a, w.c.Name, nil)
	w.expectSides(t, a, l, w.listCells()[a])
	if a == actSuper {
		n, err := w.p.app.CountRecords(w.c.Name)
		if err != nil {
			t.Fatal(err)
		}
		if int64(l.total) != n {
			t.Errorf("superuser lists %d of %d records", l.total, n)
		}
		return
	}
	if sd := w.c.Fields.GetByName(schema.FieldSubdistrict); sd != nil && w.listCells()[a] != "ab" {
		want := accessSubdistrict(w.listCells()[a])
		for _, item := range l.items {
			if got := item[schema.FieldSubdistrict]; got != want {
				t.Errorf("%s sees record %v of subdistrict %v", a, item["id"], got)
			}
		}
	}
}

// expectSides checks that l holds the samples of sides and nothing else but a's own account;
// with the filtered lists below, it holds them exactly.
func (w accessWalk) expectSides(t *testing.T, a accessActor, l accessList, sides string) {
	t.Helper()
	for i, side := range []string{"a", "b"} {
		got, want := slices.Contains(l.ids, w.samples[i]), strings.Contains(sides, side)
		if got != want {
			t.Errorf("%s sees sample %s (%s): %v, want %v", a, side, w.samples[i], got, want)
		}
	}
	if l.total != len(l.items) {
		t.Errorf("totalItems %d for %d items: the total counts rows the list does not show", l.total, len(l.items))
	}
	if sides == "" {
		for _, id := range l.ids {
			if id != accessAccounts[a] {
				t.Errorf("%s, who may read nothing here, sees %s", a, id)
			}
		}
	}
}

// view: a record a may not read answers like one that does not exist.
func (w accessWalk) view(t *testing.T, a accessActor) {
	ghost := w.p.do(a, "GET", accessPath(w.c.Name, accessGhostID, nil), nil)
	for i, side := range []string{"a", "b"} {
		res := w.p.do(a, "GET", accessPath(w.c.Name, w.samples[i], nil), nil)
		if strings.Contains(w.row.read[a], side) {
			if res.Status != 200 || res.JSON(t)["id"] != w.samples[i] {
				t.Errorf("%s views sample %s: %d %s", a, side, res.Status, res.Body)
			}
			continue
		}
		w.expectLikeGhost(t, a, "view sample "+side, res, ghost, w.deniedStatus(a, w.row.read))
	}
}

// filter: a filter naming both samples finds exactly the ones a may read. (Filters on
// subdistricts and through relations are in TestAccess_FilterTricks; each list above already
// shows no row of a subdistrict its cell does not name.)
func (w accessWalk) filter(t *testing.T, a accessActor) {
	byID := accessFilter(fmt.Sprintf("id = '%s' || id = '%s'", w.samples[0], w.samples[1]))
	if w.readForbidden(a) {
		w.p.expectForbidden(t, w.p.do(a, "GET", accessPath(w.c.Name, "", byID), nil))
		return
	}
	l := w.p.list(t, a, w.c.Name, byID)
	w.expectSides(t, a, l, w.listCells()[a])
	if want := len(w.listCells()[a]); len(l.items) != want {
		t.Errorf("%s filters the two samples and gets %v, want %d", a, l.ids, want)
	}
}

// expand: viewing a sample with every relation expanded expands a link exactly when a may
// view its target.
func (w accessWalk) expand(t *testing.T, a accessActor) {
	var rels []*core.RelationField
	for _, f := range w.c.Fields {
		if r, ok := f.(*core.RelationField); ok {
			rels = append(rels, r)
		}
	}
	q := url.Values{"expand": {accessRelations(w.c)}}
	for i, side := range []string{"a", "b"} {
		if len(rels) == 0 || !strings.Contains(w.row.read[a], side) {
			continue
		}
		res := w.p.do(a, "GET", accessPath(w.c.Name, w.samples[i], q), nil)
		if res.Status != 200 {
			t.Fatalf("%s views sample %s with expand: %d %s", a, side, res.Status, res.Body)
		}
		record := res.JSON(t)
		expanded, _ := record["expand"].(map[string]any)
		for _, r := range rels {
			target, err := w.p.app.FindCachedCollectionByNameOrId(r.CollectionId)
			if err != nil {
				t.Fatal(err)
			}
			got := accessIDs(expanded[r.Name])
			for _, id := range accessIDs(record[r.Name]) {
				if want := w.p.canView(t, a, target.Name, id); slices.Contains(got, id) != want {
					t.Errorf("%s: sample %s's %s -> %s/%s expanded: %v, may view it: %v",
						a, side, r.Name, target.Name, id, !want, want)
				}
			}
		}
	}
}

// create: a may create on exactly the sides of its cell; a refused create stores nothing and
// is refused by the API rule itself, with no field-level hint.
func (w accessWalk) create(t *testing.T, a accessActor) {
	for _, side := range []string{"a", "b"} {
		body := map[string]any{"name": "x"}
		if w.row.body != nil {
			body = w.row.body(w.p, side)
		}
		before := w.p.count(t, w.c.Name)
		res := w.p.do(a, "POST", accessPath(w.c.Name, "", nil), body)
		after := w.p.count(t, w.c.Name)
		if strings.Contains(w.row.create[a], side) {
			if res.Status != 200 || after != before+1 {
				t.Errorf("%s creates on side %s: %d %s", a, side, res.Status, res.Body)
			}
			continue
		}
		if after != before {
			t.Errorf("%s's refused create on side %s stored %d records", a, side, after-before)
		}
		want := w.deniedStatus(a, w.row.create)
		if want == 404 {
			want = 400 // PocketBase refuses a create rule with 400 "Failed to create record."
		}
		if res.Status != want {
			t.Errorf("%s creates on side %s: %d %s, want %d", a, side, res.Status, res.Body, want)
		}
		if data, _ := res.JSON(t)["data"].(map[string]any); a != actSuper && len(data) != 0 {
			t.Errorf("%s creates on side %s: refused past the API rule: %s", a, side, res.Body)
		}
	}
}

// update: a may update exactly the samples of its cell; a refused update changes nothing and
// answers like an update of a record that does not exist.
func (w accessWalk) update(t *testing.T, a accessActor) {
	change := w.row.change
	ghost := w.p.do(a, "PATCH", accessPath(w.c.Name, accessGhostID, nil), change)
	for i, side := range []string{"a", "b"} {
		id := w.samples[i]
		before := w.p.fields(t, w.c.Name, id)
		res := w.p.do(a, "PATCH", accessPath(w.c.Name, id, nil), change)
		after := w.p.fields(t, w.c.Name, id)
		if strings.Contains(w.row.update[a], side) {
			if res.Status != 200 {
				t.Errorf("%s updates sample %s: %d %s", a, side, res.Status, res.Body)
			}
			for k, v := range change {
				if fmt.Sprint(after[k]) != fmt.Sprint(v) {
					t.Errorf("%s updates sample %s: %s is %v, want %v", a, side, k, after[k], v)
				}
			}
			continue
		}
		if !reflect.DeepEqual(before, after) {
			t.Errorf("%s's refused update changed sample %s", a, side)
		}
		w.expectLikeGhost(t, a, "update sample "+side, res, ghost, w.deniedStatus(a, w.row.update))
	}
}

// delete: a may delete exactly on the sides of its cell (a fresh record there, as the samples
// are linked from elsewhere); a refused delete removes nothing and answers like a delete of a
// record that does not exist.
func (w accessWalk) delete(t *testing.T, a accessActor) {
	ghost := w.p.do(a, "DELETE", accessPath(w.c.Name, accessGhostID, nil), nil)
	for i, side := range []string{"a", "b"} {
		if strings.Contains(w.row.del[a], side) {
			id := w.p.save(t, w.c.Name, w.row.body(w.p, side)).Id
			res := w.p.do(a, "DELETE", accessPath(w.c.Name, id, nil), nil)
			if res.Status != 204 || w.p.fields(t, w.c.Name, id) != nil {
				t.Errorf("%s deletes a new record on side %s: %d %s", a, side, res.Status, res.Body)
			}
			continue
		}
		res := w.p.do(a, "DELETE", accessPath(w.c.Name, w.samples[i], nil), nil)
		if w.p.fields(t, w.c.Name, w.samples[i]) == nil {
			t.Fatalf("%s deleted sample %s: %d %s", a, side, res.Status, res.Body)
		}
		w.expectLikeGhost(t, a, "delete sample "+side, res, ghost, w.deniedStatus(a, w.row.del))
	}
}

// deniedStatus is the status of a refusal: 400 for any write to a view, 403 where the rule is
// nil (superusers only), 404 where the rule does not match the record. A superuser is refused
// only by hooks (the audit trail), with 400.
func (w accessWalk) deniedStatus(a accessActor, c accessCells) int {
	switch {
	case w.c.IsView() || a == actSuper:
		return 400
	case c.superOnly():
		return 403
	}
	return 404
}

// expectLikeGhost checks that a refusal has the wanted status and, for anyone but a
// superuser, the very body of the same request on a record that does not exist.
func (w accessWalk) expectLikeGhost(t *testing.T, a accessActor, what string, res, ghost testkit.Response, status int) {
	t.Helper()
	if res.Status != status {
		t.Errorf("%s: %s: %d %s, want %d", a, what, res.Status, res.Body, status)
	}
	if a != actSuper && (res.Status != ghost.Status || string(res.Body) != string(ghost.Body)) {
		t.Errorf("%s: %s answers %d %s, but for a missing record %d %s",
			a, what, res.Status, res.Body, ghost.Status, ghost.Body)
	}
}
