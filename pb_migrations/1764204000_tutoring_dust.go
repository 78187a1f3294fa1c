package migrations

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	s "github.com/haidian/fieldsync/internal/schema"
	v "github.com/haidian/fieldsync/internal/vocab"
)

// The tutoring and dust programmes (internal/tutoring, internal/dust), issue 6:
//
//   - a centre holds the rest of the registration form: the sponsor's phone, the licence's
//     issuer and the legal-person registration, training content, enrolment target and range,
//     ideology or religion in the content, academic-subject trainees, advertising channels,
//     problems found and the acceptance check; sponsors may be government bodies or
//     associations and premises "other", as on the form;
//   - places may be primary and secondary schools, which the daily report (二) counts, and
//     findings have the school categories of that table;
//   - findings record the people involved in and handled for a violation (principals,
//     teachers, operators), which both daily reports sum;
//   - a centre records the rectification opinion of its registration form (outcome and its
//     deadline) and when it was suspended for a major safety hazard;
//   - a construction site records its dust-suppression devices;
//   - incidents around tutoring centres are recorded (tutoring_incidents) for table (一);
//   - the agencies' registries are imported into registry_entries, one row per registry line,
//     by import jobs (registry_imports) that record their progress, the lines they refused and
//     the discrepancies they found. Both are read through /api/fs/tutoring/imports; their
//     collection rules are nil, so only district administrators reach them directly.
var tutoringDustFields = map[string][]core.Field{
	s.Findings: {count("people_involved"), count("people_handled")},
	// The rest of the registration form (附件2, lines 4839-4876).
	s.Centres: {
		pattern("sponsor_phone", false, maxPhone, phoneRE),
		sel("licence_issuer", v.LicenceIssuer, false),
		sel("legal_registration", v.LegalRegistration, false),
		text("training_content", false, maxNote),
		text("enrolment_target", false, maxName),
		sel("enrolment_range", v.EnrolmentRange, false),
		flag("ideology_religion"),
		count("subject_trainees_2017"), count("subject_trainees_now"),
		multiSel("ad_channels", v.AdChannel),
		text("problems_found", false, maxNote),
		text("acceptance", false, maxNote),
		sel("outcome", v.CentreOutcome, false),
		date("outcome_deadline", false),
		date("suspended_at", false),
	},
	// The dust-suppression devices a construction site runs.
	s.Sites: {multiSel("devices", v.SuppressionDevice)},
}

// widened are the select fields whose vocabularies gained values.
var widened = []struct {
	coll, field string
	enum        v.Enum
}{
	{s.Places, "kind", v.PlaceKind},
	{s.Findings, "category", v.FindingCategory},
	{s.Centres, "sponsor_type", v.SponsorType},
	{s.Centres, "premises", v.Premises},
}

func registrySpecs() []spec {
	return []spec{
		// Incidents around tutoring centres (centres, parent groups, public opinion) that a
		// subdistrict reports in table (一); staff of the subdistrict record and read them.
		{name: s.Incidents, rules: fieldRecord, indexes: [][]string{{"subdistrict", "occurred_at"}},
			fields: []core.Field{
				rel("subdistrict", s.Subdistricts, true),
				date("occurred_at", true),
				sel("kind", v.IncidentKind, true),
				rel("place", s.Places, false),
				text("description", true, maxNote),
				text("handling", false, maxNote),
				rel("author", s.Users, false),
				flag("voided"),
			}},
		{name: s.RegistryImports, indexes: [][]string{{"status"}},
			fields: []core.Field{
				sel("source", v.RegistrySource, true),
				text("file_name", false, maxName),
				sel("status", v.ImportStatus, true),
				count("total"), count("processed"), count("imported"), count("refused"),
				jsonField("errors", 8<<20),
				jsonField("discrepancies", 8<<20),
				text("failure", false, maxNote),
				rel("started_by", s.Users, false),
				date("finished_at", false),
			}},
		{name: s.RegistryEntries,
			indexes: [][]string{{"credit_code"}, {"source", "credit_code"}, {"import"}},
			fields: []core.Field{
				rel("import", s.RegistryImports, true),
				sel("source", v.RegistrySource, true),
				count("line"),
				pattern("credit_code", false, 18, creditCodeRE),
				text("name", true, maxName),
				text("address", false, maxAddr),
				text("licence_no", false, 60),
				text("scope", false, maxNote),
				flag("education_in_scope"),
				rel("centre", s.Centres, false),
				rel("subdistrict", s.Subdistricts, false),
				sel("matched_by", v.RegistryMatch, false),
			}},
	}
}

func init() {
	m.Register(func(app core.App) error {
		if err := addFields(app, tutoringDustFields); err != nil {
			return err
		}
		if err := widen(app); err != nil {
			return err
		}
		return createAll(app, registrySpecs(), nil)
	}, func(app core.App) error {
		if err := deleteAll(app, registrySpecs()); err != nil {
			return err
		}
		return removeFields(app, tutoringDustFields)
	})
}

// widen sets the widened select fields to their vocabularies' values. The down migration
// keeps them: stored rows may hold the new values.
func widen(app core.App) error {
	for _, w := range widened {
		c, err := app.FindCollectionByNameOrId(w.coll)
		if err != nil {
			return err
		}
		f, ok := c.Fields.GetByName(w.field).(*core.SelectField)
		if !ok {
			return fmt.Errorf("%s.%s is not a select field", w.coll, w.field)
		}
		f.Values = w.enum.Values()
		if err := app.Save(c); err != nil {
			return err
		}
	}
	return nil
}
