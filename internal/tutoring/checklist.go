package tutoring

import (
	"encoding/json"
	"slices"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
)

// The checklist of a tutoring inspection (inspections.checklist, an object of item → true or
// false). Conduct items are true when the violation was found, each named like the finding
// category it leads to ("tutoring.<item>"); safety items are the fire brigade's checks of
// premises, fire and electricity, exits, signs, emergency lights and extinguishers, true when
// the check passed.
var (
	ConductItems = []string{
		"against_education_policy", "mismanagement",
		"false_advertising", "illegal_enrolment", "illegal_fees", "misappropriated_funds", "illegal_fundraising",
		"beyond_curriculum", "ahead_of_schedule", "exam_cramming", "grade_exam_admission",
		"public_school_teacher",
		// At schools, for daily report (二).
		"school_teaching_plan", "school_teacher_moonlighting", "school_admission_link",
	}
	SafetyItems = []string{
		"exits_clear", "evacuation_signs", "emergency_lights", "extinguishers",
		"electricity_safe", "fire_use_safe", "fire_acceptance",
	}
)

// CodeChecklistInvalid refuses a checklist with an unknown item or a value that is not true
// or false.
const CodeChecklistInvalid = "tutoring_checklist_invalid"

// checkInspection checks a tutoring inspection's checklist and derives its result: any
// violation or failed safety check fails the inspection. An empty checklist leaves the result
// as recorded (a survey may record only notes).
func checkInspection(e *core.RecordEvent) error {
	r := e.Record
	if r.GetString("programme") != "tutoring" || !access.Changed(e.App, r, "checklist", "result") {
		return e.Next()
	}
	items, err := checklistOf(r)
	if err != nil {
		return err
	}
	failed := false
	for item, ok := range items {
		switch {
		case slices.Contains(ConductItems, item):
			failed = failed || ok
		case slices.Contains(SafetyItems, item):
			failed = failed || !ok
		default:
			return checklistError()
		}
	}
	if failed && r.GetString("result") != "not_present" {
		r.Set("result", "fail")
	}
	return e.Next()
}

// checklistOf decodes an inspection's checklist as items that are true or false.
func checklistOf(r *core.Record) (map[string]bool, error) {
	raw, _ := json.Marshal(r.Get("checklist"))
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		if string(raw) == "null" || string(raw) == `""` {
			return nil, nil
		}
		return nil, checklistError()
	}
	out := make(map[string]bool, len(generic))
	for k, v := range generic {
		b, ok := v.(bool)
		if !ok {
			return nil, checklistError()
		}
		out[k] = b
	}
	return out, nil
}

func checklistError() error {
	return validation.Errors{"checklist": validation.NewError(CodeChecklistInvalid,
		"检查表只能包含规定的检查项，取值为是或否 / the checklist holds only the listed items, each true or false")}
}
