package tutoring

import (
	"fmt"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// QualificationHistory is the table that keeps, for each centre, every qualification class, licence
// issuer and academic-subject flag it has had and when the server learnt it. The daily report of a day
// reads a centre as it was known at that day's end, so a licence granted on day 3 changes
// neither day 1's nor day 2's report when they are computed again (gazette line 4911: a day's
// figures are fixed; only new places and first findings count). Rows are never changed.
const QualificationHistory = "fs_centre_qualifications"

// knownCentre is what the report needs of a centre as known at a time.
type knownCentre struct {
	Qualification string
	Issuer        string // who issued the school licence (vocab licence_issuer)
	Subject       bool
}

// recordQualification appends r's qualification and subject flag to the history when either is
// new or changed. A centre's registration describes it as its survey found it, so the first row
// holds since always (known_at ""); a later change is dated when the server stores it. It runs
// after the centre's save, inside the same transaction when there is one.
func recordQualification(app core.App, r *core.Record, before knownCentre, isNew bool, now time.Time) error {
	after := centreAsSaved(r)
	if !isNew && after == before {
		return nil
	}
	knownAt := ""
	if !isNew {
		at, err := types.ParseDateTime(now.UTC())
		if err != nil {
			return err
		}
		knownAt = at.String()
	}
	_, err := app.DB().Insert(QualificationHistory, dbx.Params{
		"centre": r.Id, "place": r.GetString("place"), "qualification": after.Qualification,
		"licence_issuer": after.Issuer, "subject": after.Subject, "known_at": knownAt,
	}).Execute()
	if err != nil {
		return fmt.Errorf("qualification history: %w", err)
	}
	return nil
}

// centreAsSaved is what r tells the reports; a voided centre tells nothing.
func centreAsSaved(r *core.Record) knownCentre {
	if r.GetBool("voided") {
		return knownCentre{}
	}
	return knownCentre{Qualification: r.GetString("qualification"), Issuer: r.GetString("licence_issuer"),
		Subject: slices.Contains(r.GetStringSlice("categories"), "subject")}
}

// keepHistory records the centre's qualification in the history once its save has succeeded.
func keepHistory(now func() time.Time) func(*core.RecordEvent) error {
	return func(e *core.RecordEvent) error {
		isNew := e.Record.IsNew()
		var before knownCentre
		if !isNew {
			if stored, err := e.App.FindRecordById(e.Record.Collection(), e.Record.Id); err == nil {
				before = centreAsSaved(stored)
			}
		}
		if err := e.Next(); err != nil {
			return err
		}
		return recordQualification(e.App, e.Record, before, isNew, now())
	}
}
