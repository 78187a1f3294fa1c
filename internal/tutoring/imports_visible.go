package tutoring

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// viewableDiscrepancies returns the job's discrepancies the reader may see. A registry covers
// the whole district, so a supervisor's import can match centres of other subdistricts; a
// discrepancy about one tells what that centre's ledger records (its licences, its business
// scope), which REST does not show the supervisor. It is left out for them, as if the line had
// matched nothing they can see; district administrators read every discrepancy.
func viewableDiscrepancies(e *core.RequestEvent, job *core.Record) (any, error) {
	if e.HasSuperuserAuth() {
		return job.Get("discrepancies"), nil
	}
	var all []Discrepancy
	if err := job.UnmarshalJSONField("discrepancies", &all); err != nil || all == nil {
		return job.Get("discrepancies"), err // null before any
	}
	info, err := e.RequestInfo()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := []Discrepancy{}
	for _, d := range all {
		if d.Centre != "" {
			ok, known := seen[d.Centre]
			if !known {
				c, err := e.App.FindRecordById(schema.Centres, d.Centre)
				if err == nil {
					ok, err = e.App.CanAccessRecord(c, info, c.Collection().ViewRule)
				}
				if err != nil {
					ok = false // a centre since deleted shows nothing, as REST does
				}
				seen[d.Centre] = ok
			}
			if !ok {
				continue
			}
		}
		out = append(out, d)
	}
	return out, nil
}
