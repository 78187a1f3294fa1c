package reports

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/vocab"
)

// Reports that reach the district by telephone or mail are entered by staff, with the channel
// they came through as the report's source:
//
//   - 区教委's public-service hotline 68980166 and mailbox hdjwggfw@163.com (gazette line 4694),
//     entered by the commission's staff, for tutoring problems;
//   - the subdistricts' own report telephones and mailboxes (4692: "各街镇：…设立举报电话、举报
//     邮箱"), entered by the subdistrict's inspectors and supervisors, for any problem;
//   - the city hotlines 12345, 12369 and 96310 (3769: "鼓励公众通过 12345、12369、96310 等热线
//     举报环境违法行为"), entered by the environment bureau's staff for dust, or forwarded to
//     and entered by the subdistrict.
//
// POST /api/fs/reports/intake takes a Draft plus "source". The report then lives like any
// other: the same checks, tracking number, receipt (to read out to the caller) and
// notification of the subdistrict's supervisors; the audit trail names the staff member.
type intakeDraft struct {
	Draft
	Source string `json:"source"`
}

// intakeChannel is who may enter reports of a source, and of which categories.
type intakeChannel struct {
	agency   string // the agency whose staff enter it; "" for the subdistricts' staff
	category string // the category prefix it carries; "" for any
}

// intakeChannels: per source, the doors that may enter it. A source absent here (web, open311)
// is a resident's own door and cannot be entered by staff.
var intakeChannels = map[string][]intakeChannel{
	"edu_hotline":         {{agency: "edu", category: "tutoring."}},
	"edu_mailbox":         {{agency: "edu", category: "tutoring."}},
	"subdistrict_hotline": {{}},
	"subdistrict_mailbox": {{}},
	"hotline_12345":       {{agency: "env", category: "dust"}, {}},
	"hotline_12369":       {{agency: "env", category: "dust"}, {}},
	"hotline_96310":       {{agency: "env", category: "dust"}, {}},
}

var errIntakeForbidden = fault.New(fault.Permission, "report_intake_forbidden",
	"您无权登记此来源的举报", "you may not enter reports of this source")

func (s *Service) handleIntake(e *core.RequestEvent) error {
	var d intakeDraft
	if err := decode(e, &d); err != nil {
		return writeError(e, err)
	}
	actor := access.ActorFromAuth(e.Auth)
	if bad := intakeRefusal(e.App, actor, &d); bad != nil {
		return writeError(e, bad)
	}
	d.Draft.source, d.Draft.enteredBy = d.Source, &actor
	// Staff enter what residents telephoned or wrote: no rate bucket of a resident's door.
	return s.submitAndAnswer(e, d.Draft, nil)
}

// intakeRefusal says why actor may not enter d, or nil. A subdistrict's staff enter only
// reports of their own subdistricts: the one named, or that of the place or centre named.
func intakeRefusal(app core.App, actor access.Actor, d *intakeDraft) error {
	channels, ok := intakeChannels[d.Source]
	if !ok || !vocab.ReportSource.Has(d.Source) {
		return invalid(map[string]string{"source": "invalid"})
	}
	if !actor.IsStaff() {
		return errIntakeForbidden
	}
	agencyCode := ""
	if actor.Agency != "" {
		if ag, err := app.FindRecordById("agencies", actor.Agency); err == nil {
			agencyCode = ag.GetString("code")
		}
	}
	var opened bool
	for _, c := range channels {
		switch {
		case c.agency != "" && c.agency == agencyCode:
		case c.agency == "" && actor.FieldStaff() && actor.InSubdistrict(subdistrictNamed(app, &d.Draft)):
		default:
			continue
		}
		opened = true
		if strings.HasPrefix(d.Category, c.category) {
			return nil
		}
	}
	if opened {
		return invalid(map[string]string{"category": "source_category_mismatch"})
	}
	return errIntakeForbidden
}

// subdistrictNamed is the subdistrict d's report will lie in: its centre's or place's, else the
// one it names. An unknown centre or place names none (the submission then refuses it).
func subdistrictNamed(app core.App, d *Draft) string {
	for _, link := range []struct{ coll, id string }{{"tutoring_centres", d.Centre}, {"places", d.Place}} {
		if link.id == "" {
			continue
		}
		r, err := app.FindRecordById(link.coll, link.id)
		if err != nil {
			return ""
		}
		return r.GetString("subdistrict")
	}
	return d.Subdistrict
}
