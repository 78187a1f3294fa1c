package dust

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
)

// CodeLandTreatment refuses a ledger entry whose treatment contradicts its state;
// CodeLandPlace one recorded at a place that is not bare land.
const (
	CodeLandTreatment = "dust_land_treatment_mismatch"
	CodeLandPlace     = "dust_land_place"
)

// treatmentOf is the treatment each state of a plot records: a bare plot is untreated, a
// covered one covered, and so on. A plot built on may record how it was treated before.
var treatmentOf = map[string]string{"bare": "none", "covered": "cover", "greened": "green", "paved": "pave"}

// checkLandEntry keeps the bare-land ledger consistent: entries of bare-land places only, and
// a treatment that fits the state.
func checkLandEntry(e *core.RecordEvent) error {
	r := e.Record
	if !access.Changed(e.App, r, "place", "state", "treatment") {
		return e.Next()
	}
	if placeKind(e.App, r.GetString("place")) != "bare_land" {
		return fieldError("place", CodeLandPlace, "裸地台账只记录裸地地块 / the ledger records bare-land plots only")
	}
	if want, ok := treatmentOf[r.GetString("state")]; ok && r.GetString("treatment") != want {
		return fieldError("treatment", CodeLandTreatment,
			"治理方式与地块状态不符（苫盖、绿化、硬化分别对应已苫盖、已绿化、已硬化）/ "+
				"the treatment does not fit the state (cover for covered, green for greened, pave for paved, none for bare)")
	}
	return e.Next()
}
