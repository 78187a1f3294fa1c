package tutoring

import (
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// The qualification classes (vocab.Qualification), the outcomes (vocab.CentreOutcome), the
// statuses (vocab.CentreStatus) and the lists (vocab.ListStatus).
const (
	Licensed                 = "licensed"
	BusinessWithEducation    = "business_with_education"
	BusinessWithoutEducation = "business_without_education"
	InstitutionOnly          = "institution_only"
	Unqualified              = "none"

	OutcomeGuide   = "guide_licence"
	OutcomeRectify = "rectify"
	OutcomeStop    = "stop"

	Operating  = "operating"
	Rectifying = "rectifying"
	Suspended  = "suspended"
	Stopped    = "stopped"

	WhiteList = "white"
	BlackList = "black"
	NoList    = "none"
)

// CodeOutcomeDeadline refuses an outcome that needs a deadline without one.
const CodeOutcomeDeadline = "centre_outcome_deadline"

// Qualify derives a centre's qualification class from its licences, in the gazette's order: a
// school licence; a business licence with education in scope; one without; an institution or
// NGO certificate only; nothing.
func Qualify(schoolLicence bool, businessLicence string, institutionCertificate bool) string {
	switch {
	case schoolLicence:
		return Licensed
	case businessLicence == "with_education":
		return BusinessWithEducation
	case businessLicence == "without_education":
		return BusinessWithoutEducation
	case institutionCertificate:
		return InstitutionOnly
	}
	return Unqualified
}

// checkCentre checks the credit code, derives the qualification and applies the outcome, on
// every save of a centre. The lists are not derived: they are the education commission's
// decisions (decisions.go).
func checkCentre(e *core.RecordEvent) error {
	r := e.Record
	if code := NormalizeCredit(r.GetString("credit_code")); code != "" && access.Changed(e.App, r, "credit_code") {
		if reason := code.Check(); reason != "" {
			return validation.Errors{"credit_code": validation.NewError(reason, creditMessages[reason])}
		}
		r.Set("credit_code", string(code))
	}
	r.Set("qualification", Qualify(r.GetBool("school_licence"), r.GetString("business_licence"),
		r.GetBool("institution_certificate")))
	if err := applyOutcome(r); err != nil {
		return err
	}
	if err := checkForm(e.App, r); err != nil {
		return err
	}
	return e.Next()
}

// The reason codes of the registration form's rules.
const (
	CodeOtherUnspecified     = "centre_other_unspecified"
	CodeSubjectModeNoSubject = "centre_subject_mode_without_subjects"
)

// checkForm applies the registration form's own instructions (gazette lines 4850-4859) when
// the fields they concern are written: "其他 (请注明)" needs the text, and the subject
// training's 培训形式 is filled only for a centre that trains in academic subjects ("无此类培训的不需
// 填写"). A record stored before these fields existed stays editable in its other fields. They
// bind whoever fills the form (staff at any door, district administrators), not server code
// carrying registrations it did not take (imports, the demo loader).
func checkForm(app core.App, r *core.Record) error {
	if access.AttributionOf(r).Actor.Kind == access.KindSystem {
		return nil
	}
	errs := validation.Errors{}
	if access.Changed(app, r, "sponsor_type", "sponsor_type_other") &&
		r.GetString("sponsor_type") == "other" && strings.TrimSpace(r.GetString("sponsor_type_other")) == "" {
		errs["sponsor_type_other"] = otherUnspecified
	}
	categories := r.GetStringSlice("categories")
	if access.Changed(app, r, "categories", "categories_other") &&
		slices.Contains(categories, "other") && strings.TrimSpace(r.GetString("categories_other")) == "" {
		errs["categories_other"] = otherUnspecified
	}
	if access.Changed(app, r, "categories", "subject_mode") && r.GetString("subject_mode") != "" && !slices.Contains(categories, "subject") {
		errs["subject_mode"] = validation.NewError(CodeSubjectModeNoSubject,
			"无中小学学科类培训的机构不填写学科类培训形式 / the subject training's mode is only for centres that train in academic subjects")
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

var otherUnspecified = validation.NewError(CodeOtherUnspecified,
	"选择“其他”时请注明 / say what \"other\" is")

// applyOutcome: stop stops the centre; guide_licence and rectify need a deadline and put an
// operating centre into rectification. A suspension for a hazard is not lifted by an outcome.
func applyOutcome(r *core.Record) error {
	outcome := r.GetString("outcome")
	switch outcome {
	case OutcomeStop:
		r.Set(schema.FieldStatus, Stopped)
	case OutcomeGuide, OutcomeRectify:
		if r.GetDateTime("outcome_deadline").IsZero() {
			return validation.Errors{"outcome_deadline": validation.NewError(CodeOutcomeDeadline,
				"引导领证和限期整改须写明整改时限 / guiding to a licence and rectifying need a deadline")}
		}
		if st := r.GetString(schema.FieldStatus); st == Operating || st == "" {
			r.Set(schema.FieldStatus, Rectifying)
		}
	}
	return nil
}

// CodeCategoryPlace refuses a tutoring finding at the wrong kind of place.
const CodeCategoryPlace = "tutoring_category_place"

// checkFindingPlace: the school categories of daily report (二) are found at schools, the
// other tutoring categories at tutoring centres, so each table counts the places it should.
func checkFindingPlace(e *core.RecordEvent) error {
	r := e.Record
	category := r.GetString("category")
	if r.GetString("programme") != "tutoring" || category == "" || !access.Changed(e.App, r, "category", schema.FieldPlace) {
		return e.Next()
	}
	want := "tutoring_centre"
	if strings.HasPrefix(category, "tutoring.school_") {
		want = "school"
	}
	var kind string
	_ = e.App.DB().Select("kind").From(schema.Places).Where(dbx.HashExp{"id": r.GetString(schema.FieldPlace)}).Row(&kind)
	if kind != want {
		return validation.Errors{"place": validation.NewError(CodeCategoryPlace,
			"学校类问题须记录在中小学校，其他培训机构问题须记录在培训机构 / "+
				"school problems are recorded at schools, the other tutoring problems at tutoring centres")}
	}
	return e.Next()
}

// suspendOnMajorHazard suspends the centre at a finding's place when the finding is a major
// safety hazard that is not closed or voided: the plan orders immediate suspension. Lifting it
// is a supervisor's decision after the hazard is closed.
func suspendOnMajorHazard(e *core.RecordEvent) error {
	if err := e.Next(); err != nil {
		return err
	}
	f := e.Record
	if f.GetString("category") != "tutoring.safety_hazard" || f.GetString("severity") != "major" ||
		f.GetString(schema.FieldStatus) == "closed" || f.GetBool("voided") {
		return nil
	}
	c, err := e.App.FindFirstRecordByData(schema.Centres, schema.FieldPlace, f.GetString(schema.FieldPlace))
	if err != nil || c.GetString(schema.FieldStatus) == Suspended || c.GetString(schema.FieldStatus) == Stopped {
		return nil // a place without a centre record is a centre not yet registered
	}
	c.Set(schema.FieldStatus, Suspended)
	c.Set("suspended_at", types.NowDateTime())
	access.Attribute(c, access.OnBehalfOf(e.Record)) // the gazette's rule, applied for the finding's writer
	return e.App.Save(c)
}
