package smokealarm

import (
	"errors"
	"fmt"
	"github.com/haidian/fieldsync/internal/beijing"
	"reflect"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cast"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/atomic"
	"github.com/haidian/fieldsync/internal/localsetting"
	"github.com/haidian/fieldsync/internal/schema"
)

// Unit types and eligibilities as stored (vocab.AlarmUnitType, vocab.AlarmEligibility).
const (
	Networked = "networked"
	Ordinary  = "ordinary"

	ElderlyAlone = "elderly_alone"
	Disabled     = "disabled"
	Member60Plus = "member_60plus"
	General      = "general"
)

// The reason codes of refused installs.
const (
	CodeHouseholdMismatch   = "alarm_household_mismatch"
	CodeNetworkedIneligible = "alarm_networked_ineligible"
	CodeSerialTaken         = "alarm_serial_taken"
	CodeSerialMissing       = "alarm_serial_missing"
	CodeLocationMissing     = "alarm_location_missing"
	CodeConsentMissing      = "alarm_consent_missing"
	// A networked unit for a household ticked as an elderly person living alone whose
	// record holds no birth date, or one that makes the resident younger than 60 on the day.
	CodeResidentAgeUnknown = "alarm_resident_age_unknown"
	CodeResidentUnder60    = "alarm_resident_under_60"
)

// NetworkedMinAge is the age from which a resident living alone may receive a networked unit
// (gazette line 3492: "为 60 岁以上独居老人、残疾人家庭安装设有报警群发短信功能的报警装置"; 以上 includes 60).
const NetworkedMinAge = 60

// Fields of smoke_alarm_installs the rules read or set.
const (
	fieldHousehold   = "household"
	fieldUnitType    = "unit_type"
	fieldEligibility = "eligibility"
	field60Plus      = "household_60plus"
	fieldSerial      = "serial"
	fieldLocation    = "location_in_home"
	fieldConsent     = "consent"
	fieldVoided      = "voided"
	fieldInstalledOn = "installed_on"
	fieldBornOn      = "resident_born_on"
)

// DerivedOnCreate are the fields setHouseholdFacts computes on create, whatever a client
// sends; the sync contract leaves them out of what a create must carry.
var DerivedOnCreate = []string{fieldEligibility, field60Plus}

func registerInstallRules(app core.App) {
	app.OnRecordCreate(schema.AlarmInstalls).BindFunc(func(e *core.RecordEvent) error {
		if err := checkInstall(e.App, e.Record, nil); err != nil {
			return err
		}
		return e.Next()
	})
	app.OnRecordUpdate(schema.AlarmInstalls).BindFunc(func(e *core.RecordEvent) error {
		stored, err := e.App.FindRecordById(e.Record.Collection(), cast.ToString(e.Record.LastSavedPK()))
		if err != nil {
			stored = e.Record.Original()
		}
		if err := checkInstall(e.App, e.Record, stored); err != nil {
			return err
		}
		return e.Next()
	})
	// The serial check runs where the write does, inside the transaction atomic opens: SQLite
	// has one writer, so no other install can take the serial between the check and the write.
	serialFree := func(e *core.RecordEvent) error {
		if err := checkSerialFree(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	}
	app.OnRecordCreateExecute(schema.AlarmInstalls).BindFunc(serialFree)
	app.OnRecordUpdateExecute(schema.AlarmInstalls).BindFunc(serialFree)
}

// checkInstall applies the install rules to r before it is validated and written; stored is
// the row an update replaces, nil on create. It sets the household facts (eligibility,
// household_60plus) and the normalised serial, and returns every refusal at once.
func checkInstall(app core.App, r, stored *core.Record) error {
	r.Set(fieldSerial, normalSerial(r.GetString(fieldSerial)))
	r.Set(fieldLocation, strings.TrimSpace(r.GetString(fieldLocation)))
	changed := func(field string) bool {
		return stored == nil || !reflect.DeepEqual(r.Get(field), stored.Get(field))
	}
	errs := validation.Errors{}
	if err := setHouseholdFacts(app, r, stored, changed(fieldHousehold) || changed(fieldInstalledOn)); err != nil {
		errs[fieldHousehold] = err
	} else if (changed(fieldHousehold) || changed(fieldUnitType) || changed(fieldInstalledOn)) && !mayReceive(r.GetString(fieldEligibility), r.GetString(fieldUnitType)) {
		errs[fieldUnitType] = networkedRefusal(app, r)
	}
	if recordedByPerson(r) {
		checkRecording(r, changed, errs)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// setHouseholdFacts derives the eligibility and household_60plus of r from its household when
// the install is created, moved to another household or to another day (the resident's age is
// the age on the day of the install), and otherwise keeps the stored ones: they are facts of
// the day of the install, not of the household as it is later. A value a client sent is never
// kept, as for author fields.
func setHouseholdFacts(app core.App, r, stored *core.Record, householdChanged bool) error {
	if !householdChanged {
		r.Set(fieldEligibility, stored.Get(fieldEligibility))
		r.Set(field60Plus, stored.Get(field60Plus))
		return nil
	}
	h, err := findHousehold(app, r.GetString(fieldHousehold), r.GetString(schema.FieldSubdistrict))
	if err != nil {
		return refusal(CodeHouseholdMismatch,
			"所选住户不是本街镇有效且已建档的居民户",
			"the household is not a live household of the install's subdistrict with a household record")
	}
	on := r.GetDateTime(fieldInstalledOn).Time()
	needsBirthDate := localsetting.Bool(app, localsetting.ElderlyAloneNeedsBirthDate)
	r.Set(fieldEligibility, EligibilityOf(h, on, needsBirthDate))
	r.Set(field60Plus, elderlyAloneOn(h, on, needsBirthDate) || h.GetInt("members_60plus") > 0)
	return nil
}

// networkedRefusal is the reason a networked unit is refused for r's household: the age of a
// resident living alone when the household is ticked as such, else its category.
func networkedRefusal(app core.App, r *core.Record) validation.Error {
	h, err := findHousehold(app, r.GetString(fieldHousehold), r.GetString(schema.FieldSubdistrict))
	if err == nil && h.GetBool("elderly_alone") && !h.GetBool("disabled") {
		if h.GetDateTime(fieldBornOn).IsZero() {
			return refusal(CodeResidentAgeUnknown,
				"联网报警装置仅限60岁以上独居老人：请先在住户档案中填写独居老人的出生日期",
				"networked units are for residents living alone aged 60 or over: record the resident's birth date in the household record first")
		}
		return refusal(CodeResidentUnder60,
			"按住户档案中的出生日期，独居老人在安装日未满60岁，不能安装联网报警装置",
			"by the birth date in the household record the resident living alone is under 60 on the install day")
	}
	return refusal(CodeNetworkedIneligible,
		"联网报警装置仅限60岁以上独居老人或残疾人家庭安装",
		"networked units are only for households of elderly people living alone or of disabled people")
}

// findHousehold returns the household record of the home place, which must be a live place of
// kind household in subdistrict sd.
func findHousehold(app core.App, place, sd string) (*core.Record, error) {
	p, err := app.FindRecordById(schema.Places, place)
	switch {
	case err != nil:
		return nil, err
	case p.GetString("kind") != "household" || p.GetBool(fieldVoided) || p.GetString(schema.FieldSubdistrict) != sd:
		return nil, errors.New("not a live household place of the subdistrict")
	}
	return app.FindFirstRecordByFilter(schema.Households,
		"place = {:place} && subdistrict = {:sd} && voided = false", dbx.Params{"place": place, "sd": sd})
}

// EligibilityOf is the resident category a household's unit installed on day on falls under,
// first match first: an elderly person living alone (ticked, and 60 or over on that day by the
// birth date the record holds, or without one when needsBirthDate is false), disabled, a member
// aged 60+, or a general household.
func EligibilityOf(h *core.Record, on time.Time, needsBirthDate bool) string {
	switch {
	case elderlyAloneOn(h, on, needsBirthDate):
		return ElderlyAlone
	case h.GetBool("disabled"):
		return Disabled
	case h.GetInt("members_60plus") > 0:
		return Member60Plus
	}
	return General
}

// elderlyAloneOn reports whether h is the home of a resident living alone who is at least
// NetworkedMinAge on day on, by the birth date h records. Whether a tick without a birth date
// is enough is the district's local choice (localsetting.ElderlyAloneNeedsBirthDate; by default
// it is not: the gazette's category is an age, and the record must show it). A recorded birth
// date always decides.
func elderlyAloneOn(h *core.Record, on time.Time, needsBirthDate bool) bool {
	born := h.GetDateTime(fieldBornOn)
	if born.IsZero() {
		return h.GetBool("elderly_alone") && !needsBirthDate
	}
	return h.GetBool("elderly_alone") && ageOn(born.Time(), on) >= NetworkedMinAge
}

// ageOn is the age in whole years on day on of a person born on born, both read as calendar
// days in Beijing time (dates are stored as midnight UTC of the day entered, or the instant a
// phone sent): one turns 60 on the 60th birthday.
func ageOn(born, on time.Time) int {
	b, d := born.In(beijing.Zone), on.In(beijing.Zone)
	age := d.Year() - b.Year()
	if d.Month() < b.Month() || d.Month() == b.Month() && d.Day() < b.Day() {
		age--
	}
	return age
}

// mayReceive reports whether a household of eligibility may receive a unit of unitType: a
// networked unit only for the elderly living alone and the disabled; an ordinary one for anyone.
func mayReceive(eligibility, unitType string) bool {
	return unitType != Networked || eligibility == ElderlyAlone || eligibility == Disabled
}

// recordedByPerson reports whether the recording rules bind r's writer: every person at any
// door, not server code acting on its own (see the package doc).
func recordedByPerson(r *core.Record) bool {
	attr := access.AttributionOf(r)
	return !attr.Trusted && attr.Actor.Kind != access.KindSystem
}

// checkRecording refuses an install a person records without serial, place in the home or
// consent, and an update that clears one of them. Withdrawn consent is recorded by voiding the
// install, not by unticking it.
func checkRecording(r *core.Record, changed func(string) bool, errs validation.Errors) {
	if changed(fieldSerial) && r.GetString(fieldSerial) == "" {
		errs[fieldSerial] = refusal(CodeSerialMissing, "请填写装置序列号", "the unit's serial number is required")
	}
	if changed(fieldLocation) && r.GetString(fieldLocation) == "" {
		errs[fieldLocation] = refusal(CodeLocationMissing, "请填写安装位置（如客厅、卧室）",
			"where in the home the unit hangs is required (e.g. living room, bedroom)")
	}
	if changed(fieldConsent) && !r.GetBool(fieldConsent) {
		errs[fieldConsent] = refusal(CodeConsentMissing, "须记录住户同意安装；住户不同意的请作废该记录",
			"the resident's consent must be recorded; void the install if the resident withdraws it")
	}
}

// checkSerialFree refuses a live install whose serial another live install holds. It runs only
// when the install becomes live or its serial changes.
func checkSerialFree(app core.App, r *core.Record) error {
	serial := r.GetString(fieldSerial)
	if serial == "" || r.GetBool(fieldVoided) {
		return nil
	}
	if prev := atomic.Previous(r); !r.IsNew() && prev.GetString(fieldSerial) == serial && !prev.GetBool(fieldVoided) {
		return nil
	}
	taken, err := serialTaken(app, serial, r.Id, "")
	if err != nil {
		return err
	}
	if taken {
		return validation.Errors{fieldSerial: errSerialTaken}
	}
	return nil
}

var errSerialTaken = refusal(CodeSerialTaken, "该序列号已登记在其他安装或更换记录中",
	"another install or replacement already holds this serial number")

// serialTaken reports whether a live unit holds serial: an install other than install, or the
// new unit of a replacement other than followup.
func serialTaken(app core.App, serial, install, followup string) (bool, error) {
	var n int
	err := app.DB().NewQuery(`SELECT
		(SELECT COUNT(*) FROM ` + schema.AlarmInstalls + ` WHERE serial = {:serial} AND serial != '' AND voided = FALSE AND id != {:install}) +
		(SELECT COUNT(*) FROM ` + schema.AlarmFollowups + ` WHERE new_serial = {:serial} AND new_serial != '' AND voided = FALSE AND id != {:followup})`).
		Bind(dbx.Params{"serial": serial, "install": install, "followup": followup}).Row(&n)
	if err != nil {
		return false, fmt.Errorf("serial lookup: %w", err)
	}
	return n > 0, nil
}

// normalSerial is a serial as stored: without surrounding spaces, in upper case, so that one
// unit typed twice in different case is one serial.
func normalSerial(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// refusal is a rule's refusal of one field: a stable code and a message in Chinese and English.
func refusal(code, zh, en string) validation.Error {
	return validation.NewError(code, zh+" / "+en)
}
