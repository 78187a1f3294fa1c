package testkit

import (
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
)

// The fixture: two subdistricts A (万寿路) and B (永定路), one agency (the fire brigade), staff
// of each role, and one record of every collection on each side. Findings of A are referred
// to the fire brigade so agency scopes have something to see.
var (
	SubdistrictA = refdata.SubdistrictID(1)
	SubdistrictB = refdata.SubdistrictID(2)
	AgencyFire   = refdata.AgencyID(1)
	AgencyEnv    = refdata.AgencyID(3)
)

// Password is the password of every fixture account.
const Password = "fieldsync-test-pw"

// Fixture account ids.
var (
	InspectorA  = ID("inspectora")
	InspectorB  = ID("inspectorb")
	SupervisorA = ID("supervisora")
	SupervisorB = ID("supervisorb")
	FireStaff   = ID("firestaff")
	EnvStaff    = ID("envstaff")
	Superuser   = ID("superuser")
)

// ID returns the fixed 15-character record id of a fixture name.
func ID(name string) string {
	id := strings.ToLower(name)
	if len(id) > 13 {
		panic("testkit: fixture name too long: " + name)
	}
	return "fx" + id + strings.Repeat("0", 13-len(id))
}

// Side returns the fixture record name for side "a" or "b", e.g. Side("finding", "a").
func Side(name, side string) string { return ID(name + side) }

type fixtureRecord struct {
	coll string
	name string
	data map[string]any
}

func fixtureRecords() []fixtureRecord {
	recs := []fixtureRecord{
		{schema.Users, "inspectora", staff("inspector", SubdistrictA, "")},
		{schema.Users, "inspectorb", staff("inspector", SubdistrictB, "")},
		{schema.Users, "supervisora", staff("supervisor", SubdistrictA, "")},
		{schema.Users, "supervisorb", staff("supervisor", SubdistrictB, "")},
		{schema.Users, "firestaff", staff("agency_staff", "", AgencyFire)},
		{schema.Users, "envstaff", staff("agency_staff", "", AgencyEnv)},
	}
	for _, side := range []string{"a", "b"} {
		sd := SubdistrictA
		if side == "b" {
			sd = SubdistrictB
		}
		S := func(n string) string { return Side(n, side) }
		recs = append(recs,
			fixtureRecord{schema.Places, "venue" + side, map[string]any{
				"kind": "venue", "venue_type": "group_rental", "name": "群租房 " + side,
				"subdistrict": sd, "address": "测试路 1 号 " + side,
				"location": map[string]any{"lon": 116.30, "lat": 39.90}}},
			fixtureRecord{schema.Places, "home" + side, map[string]any{
				"kind": "household", "name": "住户 " + side, "subdistrict": sd, "address": "测试小区 2 号楼 " + side}},
			fixtureRecord{schema.Places, "centreplace" + side, map[string]any{
				"kind": "tutoring_centre", "name": "学而思测试校区 " + side, "subdistrict": sd, "address": "培训街 3 号 " + side}},
			fixtureRecord{schema.Places, "siteplace" + side, map[string]any{
				"kind": "construction_site", "name": "工地 " + side, "subdistrict": sd, "address": "建设路 4 号 " + side}},
			fixtureRecord{schema.Places, "land" + side, map[string]any{
				"kind": "bare_land", "name": "裸地 " + side, "subdistrict": sd, "address": "荒地 5 号 " + side}},
			fixtureRecord{schema.Households, "household" + side, map[string]any{
				"place": S("home"), "subdistrict": sd, "head_name": "王秀兰" + side, "phone": "13800000000",
				"members": 1, "members_60plus": 1, "elderly_alone": true, "resident_born_on": "1940-03-01 00:00:00.000Z"}},
			fixtureRecord{schema.Centres, "centre" + side, map[string]any{
				"place": S("centreplace"), "subdistrict": sd, "credit_code": "91110108MA01ABCD5T",
				"legal_rep_name": "张法人" + side, "legal_rep_phone": "13900000000",
				"qualification": "licensed", "school_licence": true, "licence_no": "教民111010" + side,
				"list_status": "white", "list_decided_at": "2018-06-01 00:00:00.000Z", "list_reason": "持证规范办学",
				"status": "operating"}},
			fixtureRecord{schema.CentreClasses, "class" + side, map[string]any{
				"centre": S("centre"), "subdistrict": sd, "name": "少儿美术", "target_students": "6-10 岁",
				"filed_at": "2018-06-01 00:00:00.000Z"}},
			fixtureRecord{schema.Sites, "site" + side, map[string]any{
				"place": S("siteplace"), "subdistrict": sd, "permit_no": "京建 2018-" + side, "stage": "structure"}},
			fixtureRecord{schema.Photos, "photo" + side, map[string]any{
				"sha256": strings.Repeat(map[string]string{"a": "a", "b": "b"}[side], 64), "subdistrict": sd,
				"status": "pending"}},
			fixtureRecord{schema.Inspections, "inspection" + side, map[string]any{
				"programme": "fire", "kind": "routine", "place": S("venue"), "subdistrict": sd,
				"inspector": ID("inspector" + side), "inspected_at": "2018-05-02 09:00:00.000Z", "result": "fail",
				"review": "submitted"}},
			fixtureRecord{schema.Findings, "finding" + side, map[string]any{
				"programme": "fire", "place": S("venue"), "subdistrict": sd, "inspection": S("inspection"),
				"category": "fire.group_rental", "severity": "general", "status": "open",
				"description": "群租房私拉电线", "deadline": "2018-06-01 00:00:00.000Z",
				"agency": map[string]string{"a": AgencyFire, "b": ""}[side],
				"author": ID("inspector" + side)}},
			fixtureRecord{schema.Referrals, "referral" + side, map[string]any{
				"finding": S("finding"), "subdistrict": sd, "agency": AgencyFire, "status": "pending",
				"deadline": "2018-05-10 00:00:00.000Z", "reason": "涉及违法建设"}},
			fixtureRecord{schema.Enforcements, "enforce" + side, map[string]any{
				"finding": S("finding"), "subdistrict": sd, "measure": "summons",
				"decided_at": "2018-05-03 00:00:00.000Z"}},
			fixtureRecord{schema.AlarmQuotas, "quota" + side, map[string]any{
				"subdistrict": sd, "unit_type": "networked", "year": 2018, "demand": 300, "quota": 250}},
			// The fire brigade's product samples are the district's, not a subdistrict's;
			// the two differ only by batch.
			fixtureRecord{schema.AlarmSamplings, "sampling" + side, map[string]any{
				"sampled_on": "2018-08-20 00:00:00.000Z", "product": "独立式感烟火灾探测报警器", "batch": "2018-" + side,
				"quantity": 6, "result": "pending"}},
			fixtureRecord{schema.SiteLists, "sitelist" + side, map[string]any{
				"subdistrict": sd, "quarter": "2018-Q1", "site_count": 1,
				"sites": []map[string]any{{"site": S("site"), "name": "工地 " + side}}}},
			fixtureRecord{schema.AlarmInstalls, "install" + side, map[string]any{
				"household": S("home"), "subdistrict": sd, "unit_type": "networked",
				"eligibility": "elderly_alone", "installed_on": "2018-07-01 00:00:00.000Z"}},
			fixtureRecord{schema.AlarmFollowups, "followup" + side, map[string]any{
				"install": S("install"), "subdistrict": sd, "visited_on": "2018-10-08 00:00:00.000Z",
				"result": "pass", "inspector": ID("inspector" + side)}},
			fixtureRecord{schema.LandEntries, "landentry" + side, map[string]any{
				"place": S("land"), "subdistrict": sd, "recorded_on": "2018-04-20 00:00:00.000Z",
				"area_m2": 1200, "state": "bare", "treatment": "none"}},
			fixtureRecord{schema.Dustfall, "dustfall" + side, map[string]any{
				"subdistrict": sd, "month": "2018-05", "tons_per_km2": 7.5}},
			fixtureRecord{schema.Reports, "report" + side, map[string]any{
				"tracking_no": "R-2018-" + strings.ToUpper(side), "category": "tutoring.beyond_curriculum",
				"subdistrict": sd, "place": S("centreplace"), "description": "周末超前教学", "status": "received"}},
			fixtureRecord{schema.ReportContacts, "contact" + side, map[string]any{
				"report": S("report"), "name": "李家长" + side, "phone": "13700000000"}},
			fixtureRecord{schema.Incidents, "incident" + side, map[string]any{
				"subdistrict": sd, "occurred_at": "2018-06-09 03:00:00.000Z", "kind": "parent_group",
				"place": S("centreplace"), "description": "家长聚集要求退费", "author": ID("inspector" + side)}},
			fixtureRecord{schema.ReportUpdates, "update" + side, map[string]any{
				"report": S("report"), "subdistrict": sd, "kind": "info", "text": "补充：每周六上午上课"}},
			fixtureRecord{schema.Notifications, "note" + side, map[string]any{
				"user": ID("inspector" + side), "kind": "finding_overdue", "subdistrict": sd,
				"finding": S("finding"), "message": "隐患逾期未整改"}},
		)
	}
	return recs
}

func staff(role, subdistrict, agency string) map[string]any {
	d := map[string]any{"role": role, "verified": true}
	if subdistrict != "" {
		d["subdistricts"] = []string{subdistrict}
	}
	if agency != "" {
		d["agency"] = agency
	}
	return d
}

func loadFixture(app core.App) error {
	for _, fr := range fixtureRecords() {
		coll, err := app.FindCollectionByNameOrId(fr.coll)
		if err != nil {
			return err
		}
		r := core.NewRecord(coll)
		r.Id = ID(fr.name)
		r.Load(fr.data)
		if coll.IsAuth() {
			r.SetEmail(fr.name + "@fieldsync.test")
			r.SetPassword(Password)
		}
		access.AsSystem(r)
		if err := app.Save(r); err != nil {
			return fmt.Errorf("%s %s: %w", fr.coll, fr.name, err)
		}
	}
	su, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		return err
	}
	admin := core.NewRecord(su)
	admin.Id = Superuser
	admin.SetEmail("admin@fieldsync.test")
	admin.SetPassword(Password)
	return app.Save(admin)
}
