package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	s "github.com/haidian/fieldsync/internal/schema"
	v "github.com/haidian/fieldsync/internal/vocab"
)

const (
	maxName  = 200
	maxAddr  = 300
	maxNote  = 4000
	maxPhone = 32
	phoneRE  = `^[0-9+\-() ]*$`
	// creditCodeRE is the alphabet of GB 32100-2015 codes; the check character is verified
	// by the tutoring rules.
	creditCodeRE = `^$|^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$`
)

func init() {
	m.Register(func(app core.App) error {
		return createAll(app, schemaSpecs(), extendUsers)
	}, func(app core.App) error {
		if err := deleteAll(app, schemaSpecs()); err != nil {
			return err
		}
		return shrinkUsers(app)
	})
}

// Reused rule sets.
var (
	refRules = a.Rules{List: a.Public(), View: a.Public()}
	// fieldRecord: staff of the subdistrict read; inspectors and supervisors create and update.
	fieldRecord = a.Rules{
		List: a.ScopedRead(), View: a.ScopedRead(),
		Create: a.FieldCreate(), Update: a.FieldUpdate(),
	}
	// placeDetail: like fieldRecord, and agency users read the details of places that have a
	// finding referred to their agency.
	placeDetail = a.Rules{
		List: a.ScopedRead(a.ReferredVia("place.findings_via_place")), View: a.ScopedRead(a.ReferredVia("place.findings_via_place")),
		Create: a.FieldCreate(), Update: a.FieldUpdate(),
	}
	// caseRecord: records of a case an agency may be asked to act on.
	caseRecord = a.Rules{
		List: a.ScopedRead(a.AgencyIs("agency")), View: a.ScopedRead(a.AgencyIs("agency")),
		// Agencies read these; they act through referrals and enforcement actions, never by
		// editing the subdistrict's inspection or finding.
		Create: a.FieldCreate(), Update: a.FieldUpdate(),
	}
)

func schemaSpecs() []spec {
	return []spec{
		{name: s.Subdistricts, rules: refRules, unique: [][]string{{"code"}, {"name_zh"}},
			fields: []core.Field{
				pattern("code", true, 40, `^[a-z_]+$`),
				text("name_zh", true, 40), text("name_en", true, 80),
				sel("kind", v.SubdistrictKind, true),
				count("sort"),
			}},
		{name: s.Agencies, rules: refRules, unique: [][]string{{"code"}, {"name_zh"}},
			fields: []core.Field{
				pattern("code", true, 40, `^[a-z_]+$`),
				text("name_zh", true, 60), text("name_en", true, 120),
				count("sort"),
			}},
		{name: s.Places, indexes: [][]string{{"subdistrict", "kind"}},
			rules: a.Rules{
				List: a.ScopedRead(a.ReferredVia("findings_via_place")), View: a.ScopedRead(a.ReferredVia("findings_via_place")),
				Create: a.FieldCreate(), Update: a.FieldUpdate(),
			},
			fields: []core.Field{
				sel("kind", v.PlaceKind, true),
				text("name", true, maxName),
				rel("subdistrict", s.Subdistricts, true),
				text("address", true, maxAddr),
				geo("location"),
				text("grid", false, 40),
				sel("venue_type", v.VenueType, false),
				flag("key_unit"),
				rel("author", s.Users, false),
			}},
		{name: s.Households, rules: fieldRecord, unique: [][]string{{"place"}},
			fields: []core.Field{
				rel("place", s.Places, true),
				rel("subdistrict", s.Subdistricts, true),
				text("head_name", false, 60),
				pattern("phone", false, maxPhone, phoneRE),
				count("members"), count("members_60plus"),
				flag("elderly_alone"), flag("disabled"),
				text("notes", false, maxNote),
				rel("author", s.Users, false),
			}},
		{name: s.Centres, rules: placeDetail, unique: [][]string{{"place"}},
			indexes: [][]string{{"credit_code"}, {"subdistrict", "qualification"}},
			fields:  centreFields()},
		{name: s.CentreClasses, rules: fieldRecord,
			fields: []core.Field{
				rel("centre", s.Centres, true),
				rel("subdistrict", s.Subdistricts, true),
				text("name", true, maxName),
				text("content", false, maxNote),
				text("target_students", false, maxName),
				text("schedule", false, maxName),
				rel("author", s.Users, false),
			}},
		{name: s.Sites, rules: placeDetail, unique: [][]string{{"place"}},
			fields: []core.Field{
				rel("place", s.Places, true),
				rel("subdistrict", s.Subdistricts, true),
				text("permit_no", false, 60),
				text("developer", false, maxName),
				text("contractor", false, maxName),
				sel("stage", v.SiteStage, false),
				number("area_m2", false, 0, 1e8),
				date("starts_on", false), date("ends_on", false),
				rel("author", s.Users, false),
			}},
		{name: s.Photos, unique: [][]string{{"sha256"}},
			// An agency sees the evidence of the findings referred to it.
			rules: a.Rules{List: a.ScopedRead(a.ReferredVia("findings_via_photos")), View: a.ScopedRead(a.ReferredVia("findings_via_photos")),
				Create: a.FieldCreate()},
			fields: []core.Field{
				pattern("sha256", true, 64, `^[0-9a-f]{64}$`),
				rel("subdistrict", s.Subdistricts, true),
				sel("status", v.PhotoStatus, true),
				&core.FileField{Name: "file", MaxSelect: 1, MaxSize: 20 << 20, Protected: true,
					MimeTypes: []string{"image/jpeg", "image/png"}},
				text("mime", false, 60),
				count("size"), count("width"), count("height"),
				date("captured_at", false),
				geo("captured_location"),
				rel("uploader", s.Users, false),
			}},
		// An agency sees its own inspections and those behind the findings referred to it.
		{name: s.Inspections, rules: a.Rules{
			List: a.ScopedRead(a.AgencyIs("agency"), a.ReferredVia("findings_via_inspection")), View: a.ScopedRead(a.AgencyIs("agency"), a.ReferredVia("findings_via_inspection")),
			Create: a.FieldCreate(), Update: a.FieldUpdate(),
		},
			indexes: [][]string{{"subdistrict", "programme", "inspected_at"}},
			fields: []core.Field{
				sel("programme", v.Programme, true),
				sel("kind", v.InspectionKind, true),
				rel("place", s.Places, true),
				rel("subdistrict", s.Subdistricts, true),
				rel("agency", s.Agencies, false),
				rel("inspector", s.Users, false),
				date("inspected_at", true),
				sel("result", v.InspectionResult, true),
				jsonField("checklist", 64<<10),
				text("notes", false, maxNote),
				geo("location"),
				multiRel("photos", s.Photos, 20),
				sel("review", v.ReviewStatus, false),
				rel("reviewed_by", s.Users, false),
				date("reviewed_at", false),
			}},
		{name: s.Findings, rules: caseRecord,
			indexes: [][]string{{"subdistrict", "programme", "status"}, {"status", "deadline"}},
			fields: []core.Field{
				sel("programme", v.Programme, true),
				rel("place", s.Places, true),
				rel("subdistrict", s.Subdistricts, true),
				rel("inspection", s.Inspections, false),
				sel("category", v.FindingCategory, true),
				sel("severity", v.Severity, true),
				sel("status", v.FindingStatus, true),
				text("description", true, maxNote),
				date("deadline", false),
				text("responsible_party", false, maxName),
				flag("supervised"),
				rel("agency", s.Agencies, false),
				multiRel("photos", s.Photos, 20),
				rel("author", s.Users, false),
				rel("closed_by", s.Users, false),
				date("closed_at", false),
			}},
		{name: s.Referrals,
			rules: a.Rules{
				List: a.ScopedRead(a.AgencyIs("agency")), View: a.ScopedRead(a.AgencyIs("agency")),
				Create: a.SupervisorWrite("@request.body.subdistrict"),
				// The agency answers through the referral commands (internal/rectify).
				Update: a.SupervisorWrite("subdistrict"),
			},
			fields: []core.Field{
				rel("finding", s.Findings, true),
				rel("subdistrict", s.Subdistricts, true),
				rel("agency", s.Agencies, true),
				sel("status", v.ReferralStatus, true),
				date("deadline", true),
				text("reason", true, maxNote),
				text("response", false, maxNote),
				rel("author", s.Users, false),
				rel("responded_by", s.Users, false),
			}},
		{name: s.Enforcements,
			rules: a.Rules{List: a.ScopedRead(a.AgencyIs("finding.agency")), View: a.ScopedRead(a.AgencyIs("finding.agency")),
				Create: a.FieldCreate()},
			fields: []core.Field{
				rel("finding", s.Findings, true),
				rel("subdistrict", s.Subdistricts, true),
				sel("measure", v.EnforcementMeasure, true),
				date("decided_at", true),
				number("fine_yuan", false, 0, 1e9),
				text("notes", false, maxNote),
				rel("decided_by", s.Users, false),
			}},
		{name: s.AlarmQuotas, unique: [][]string{{"subdistrict", "unit_type", "year"}},
			rules: a.Rules{List: a.ScopedRead(), View: a.ScopedRead()},
			fields: []core.Field{
				rel("subdistrict", s.Subdistricts, true),
				sel("unit_type", v.AlarmUnitType, true),
				number("year", true, 2018, 2100),
				count("demand"), count("quota"),
				sel("risk_level", v.RiskLevel, false),
				count("population"),
			}},
		{name: s.AlarmInstalls, rules: fieldRecord,
			indexes: [][]string{{"subdistrict", "unit_type", "installed_on"}},
			fields: []core.Field{
				rel("household", s.Places, true),
				rel("subdistrict", s.Subdistricts, true),
				sel("unit_type", v.AlarmUnitType, true),
				sel("eligibility", v.AlarmEligibility, true),
				date("installed_on", true),
				text("serial", false, 60),
				multiRel("photos", s.Photos, 5),
				rel("installer", s.Users, false),
			}},
		{name: s.LandEntries,
			rules:   a.Rules{List: a.ScopedRead(), View: a.ScopedRead(), Create: a.FieldCreate()},
			indexes: [][]string{{"place", "recorded_on"}},
			fields: []core.Field{
				rel("place", s.Places, true),
				rel("subdistrict", s.Subdistricts, true),
				date("recorded_on", true),
				number("area_m2", true, 0, 1e8),
				sel("state", v.LandState, true),
				sel("treatment", v.LandTreatment, true),
				text("notes", false, maxNote),
				rel("author", s.Users, false),
			}},
		{name: s.Dustfall, unique: [][]string{{"subdistrict", "month"}},
			rules: a.Rules{
				List: a.Rule(a.Staff), View: a.Rule(a.Staff),
				Create: a.Rule(a.Staff, `@request.auth.agency.code = "env"`),
				Update: a.Rule(a.Staff, `@request.auth.agency.code = "env"`),
			},
			fields: []core.Field{
				rel("subdistrict", s.Subdistricts, true),
				pattern("month", true, 7, `^20[0-9]{2}-(0[1-9]|1[0-2])$`),
				number("tons_per_km2", true, 0, 1000),
			}},
		{name: s.Reports, unique: [][]string{{"tracking_no"}},
			indexes: [][]string{{"subdistrict", "status"}},
			rules: a.Rules{
				List: a.ScopedRead(), View: a.ScopedRead(),
				Update: a.SupervisorWrite("subdistrict"),
			},
			fields: []core.Field{
				pattern("tracking_no", true, 20, `^[A-Z0-9-]+$`),
				sel("category", v.ReportCategory, true),
				rel("subdistrict", s.Subdistricts, true),
				rel("place", s.Places, false),
				text("address", false, maxAddr),
				geo("location"),
				text("description", true, maxNote),
				sel("status", v.ReportStatus, true),
				rel("assigned_to", s.Users, false),
				rel("finding", s.Findings, false),
				multiRel("photos", s.Photos, 10),
			}},
		// Reporters' contact details live apart from the report, so that only supervisors of
		// the handling subdistrict can ever read them. They read them by id or by expanding
		// the report (report_contacts_via_report), never by listing: with a list rule, any
		// filter or sort through the back-relation would drop the reports whose contacts are
		// hidden from the caller, and so tell an inspector which residents left a name and
		// phone. A nil list rule makes every such filter an error, for everyone but superusers.
		{name: s.ReportContacts, unique: [][]string{{"report"}},
			rules: a.Rules{View: a.SupervisorWrite("report.subdistrict")},
			fields: []core.Field{
				rel("report", s.Reports, true),
				text("name", false, 60),
				pattern("phone", false, maxPhone, phoneRE),
				&core.EmailField{Name: "email"},
			}},
		// The audit trail is append-only and readable by district administrators only.
		{name: s.AuditLog, indexes: [][]string{{"coll", "record_id"}, {"actor_id"}},
			fields: []core.Field{
				text("coll", true, 100),
				text("record_id", true, 100),
				sel("action", v.AuditAction, true),
				text("actor_id", false, 100),
				sel("actor_kind", v.ActorKind, true),
				sel("door", v.Door, true),
				jsonField("changes", 1<<20),
			}},
	}
}

func centreFields() []core.Field {
	return []core.Field{
		rel("place", s.Places, true),
		rel("subdistrict", s.Subdistricts, true),
		pattern("credit_code", false, 18, creditCodeRE),
		date("founded_on", false),
		text("registered_address", false, maxAddr),
		text("legal_rep_name", false, 60), text("legal_rep_hukou", false, maxAddr),
		pattern("legal_rep_phone", false, maxPhone, phoneRE),
		text("principal_name", false, 60), text("principal_hukou", false, maxAddr),
		pattern("principal_phone", false, maxPhone, phoneRE),
		text("sponsor_name", false, maxName), sel("sponsor_type", v.SponsorType, false),
		flag("school_licence"), text("licence_no", false, 60), text("licence_authority", false, maxName),
		sel("business_licence", v.BusinessLicence, false), flag("institution_certificate"),
		text("registering_authority", false, maxName),
		sel("qualification", v.Qualification, false),
		multiSel("categories", v.TrainingCategory), multiSel("subjects", v.Subject),
		sel("mode", v.TeachingMode, false),
		count("trainees_2017"), count("trainees_now"),
		flag("admission_link"), flag("grade_exams"),
		text("teaching_measures", false, maxNote),
		number("prepaid_total_10k_yuan", false, 0, 1e7), count("prepaid_students"),
		&core.URLField{Name: "website"}, text("wechat", false, 100), text("weibo", false, 100),
		text("ad_media", false, maxName),
		sel("premises", v.Premises, false), number("floor_area_m2", false, 0, 1e6),
		count("staff"), count("fulltime_staff"), count("foreign_teachers"),
		count("certified_teachers"), count("public_school_teachers"),
		flag("fire_acceptance"), flag("boarding"), flag("catering"), flag("catering_licence"),
		sel("list_status", v.ListStatus, false),
		sel("status", v.CentreStatus, false),
		rel("author", s.Users, false),
	}
}

// extendUsers gives PocketBase's users collection the staff fields and scoped rules: staff
// see themselves, supervisors see the staff of their subdistricts; only district
// administrators create accounts and assign roles.
func extendUsers(app core.App) error {
	users, err := app.FindCollectionByNameOrId(s.Users)
	if err != nil {
		return err
	}
	users.Fields.Add(
		sel("role", v.Role, true),
		multiRel("subdistricts", s.Subdistricts, 29),
		rel("agency", s.Agencies, false),
		pattern("phone", false, maxPhone, phoneRE),
	)
	users.AddIndex("idx_users_agency", false, "`agency`", "")
	self := "id = @request.auth.id"
	colleagues := a.Staff + " && " + a.SupervRole + " && " + a.InSomeSubdistrict +
		" && subdistricts.id ?= @request.auth.subdistricts.id"
	users.ListRule = a.Rule(a.Any(self, colleagues))
	users.ViewRule = a.Rule(a.Any(self, colleagues))
	users.CreateRule = nil
	users.UpdateRule = a.Rule(self)
	users.DeleteRule = nil
	return app.Save(users)
}

func shrinkUsers(app core.App) error {
	users, err := app.FindCollectionByNameOrId(s.Users)
	if err != nil {
		return err
	}
	for _, f := range []string{"role", "subdistricts", "agency", "phone"} {
		users.Fields.RemoveByName(f)
	}
	users.RemoveIndex("idx_users_agency")
	return app.Save(users)
}
