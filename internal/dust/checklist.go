package dust

import (
	"encoding/json"
	"slices"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// SixHundred are the items of the Beijing "six 100%" rule (六个百分之百, line 3710): site
// hoarded, material piles covered, vehicles leaving washed, site roads hardened, demolition
// wet, muck trucks sealed. Each is named like the finding category it leads to ("dust.<item>").
var SixHundred = []string{"hoarding", "cover", "washing", "hardening", "wet_demolition", "muck_truck"}

// OtherItems are the items of the other dust checks, true when the check passed: muck trucks
// (markings, plates not hidden, sealed loads, no spillage), roads (machine-washed) and
// stockpiles and bare land (covered).
var OtherItems = []string{"truck_marked", "plate_visible", "load_sealed", "no_spillage", "road_washed", "covered"}

// DevicesItem lists the dust-suppression devices seen running (vocab.SuppressionDevice).
const DevicesItem = "devices"

// The reasons a dust record is refused.
const (
	CodeChecklistIncomplete = "dust_checklist_incomplete"
	CodeChecklistInvalid    = "dust_checklist_invalid"
	CodeMixingStationPlace  = "dust_mixing_station_place"
)

func fieldError(field, code, msg string) error {
	return validation.Errors{field: validation.NewError(code, msg)}
}

// checkInspection checks a dust inspection's checklist and derives its result.
func checkInspection(e *core.RecordEvent) error {
	r := e.Record
	if r.GetString("programme") != "dust" || !access.Changed(e.App, r, "checklist", "result", "kind") {
		return e.Next()
	}
	items, devices, err := checklistOf(r)
	if err != nil {
		return err
	}
	kind := placeKind(e.App, r.GetString(schema.FieldPlace))
	present := r.GetString("result") != "not_present"
	if kind == "construction_site" && present && r.GetString("kind") != "install" {
		for _, item := range SixHundred {
			if _, ok := items[item]; !ok {
				return fieldError("checklist", CodeChecklistIncomplete,
					"建筑工地检查须逐项记录六个百分之百 / a site check records all six items of the six-100% rule")
			}
		}
	}
	for _, d := range devices {
		if !vocab.SuppressionDevice.Has(d) {
			return invalidChecklist()
		}
	}
	if len(items) > 0 && present {
		result := "pass"
		for _, ok := range items {
			if !ok {
				result = "fail"
			}
		}
		r.Set("result", result)
	}
	return e.Next()
}

// checklistOf decodes a dust checklist: its items, true or false, and its devices.
func checklistOf(r *core.Record) (map[string]bool, []string, error) {
	raw, _ := json.Marshal(r.Get("checklist"))
	if string(raw) == "null" || string(raw) == `""` {
		return nil, nil, nil
	}
	var generic map[string]json.RawMessage
	if err := json.Unmarshal(raw, &generic); err != nil {
		return nil, nil, invalidChecklist()
	}
	items := map[string]bool{}
	var devices []string
	for k, v := range generic {
		switch {
		case k == DevicesItem:
			if err := json.Unmarshal(v, &devices); err != nil {
				return nil, nil, invalidChecklist()
			}
		case slices.Contains(SixHundred, k) || slices.Contains(OtherItems, k):
			var b bool
			if err := json.Unmarshal(v, &b); err != nil {
				return nil, nil, invalidChecklist()
			}
			items[k] = b
		default:
			return nil, nil, invalidChecklist()
		}
	}
	return items, devices, nil
}

func invalidChecklist() error {
	return fieldError("checklist", CodeChecklistInvalid,
		"检查表只能包含规定的检查项（取值为是或否）和抑尘设施 / the checklist holds only the listed items, each true or false, and known suppression devices")
}

func placeKind(app core.App, id string) string {
	var kind string
	_ = app.DB().Select("kind").From(schema.Places).Where(dbx.HashExp{"id": id}).Row(&kind)
	return kind
}

// checkFinding: an illegal mixing station is found at a mixing-station place.
func checkFinding(e *core.RecordEvent) error {
	r := e.Record
	if r.GetString("category") == "dust.illegal_mixing_station" && access.Changed(e.App, r, "category") &&
		placeKind(e.App, r.GetString(schema.FieldPlace)) != "mixing_station" {
		return fieldError("place", CodeMixingStationPlace,
			"违法搅拌站须记录在搅拌站场所 / an illegal mixing station is recorded at a mixing-station place")
	}
	return e.Next()
}
