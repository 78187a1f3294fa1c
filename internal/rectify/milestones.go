package rectify

import (
	"fmt"
	bj "github.com/haidian/fieldsync/internal/beijing"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// A milestone is one of the plans' deadlines (collection milestones, seeded by migration
// 1764401010 from the gazette and editable by district administrators): by due, target
// (a share) of what its measure counts is to be done in every subdistrict. Progress is counted
// from the stored records whenever it is asked; what is done after due counts, but as late
// (gazette line 3502's deadline for smoke alarms, and every other plan deadline alike).

// beijing is the plans' time zone: a day ends at Beijing midnight.
var beijing = bj.Zone

// Progress is a subdistrict's (or the district's) progress towards a milestone.
type Progress struct {
	Subdistrict string `db:"subdistrict" json:"subdistrict"`
	// Of is what is to be done; Done what was done before the deadline; Late what was done
	// after it.
	Of   int `db:"of" json:"of"`
	Done int `db:"done" json:"done"`
	Late int `db:"late" json:"late"`
	// Share is Done/Of (null when there is nothing to do); Met says whether Done reaches the
	// milestone's target; Overdue that the deadline has passed and it does not.
	Share   *float64 `db:"-" json:"share"`
	Met     bool     `db:"-" json:"met"`
	Overdue bool     `db:"-" json:"overdue"`
}

// Milestone is one milestone with its progress.
type Milestone struct {
	ID          string     `json:"id"`
	Code        string     `json:"code"`
	Programme   string     `json:"programme"`
	Title       string     `json:"title"`
	GazetteLine string     `json:"gazette_line"`
	Due         string     `json:"due"`
	Target      float64    `json:"target"`
	Measure     string     `json:"measure"`
	MeasureZH   string     `json:"measure_zh"`
	Local       string     `json:"local"`
	LeadAgency  string     `json:"lead_agency"`
	Rows        []Progress `json:"rows"`
	// District is the whole district's progress; null for readers shown only their own
	// subdistricts.
	District *Progress `json:"district"`
}

// measureSQL counts, per subdistrict, what each measure has to do and what was done before
// and after {:due}. Every subdistrict has a row.
var measureSQL = map[string]string{
	// Installs of the due's year (from {:year_start}) against the year's quotas.
	"alarm_installs": `SELECT sd.id AS subdistrict,
		COALESCE((SELECT SUM(q.quota) FROM smoke_alarm_quotas q WHERE q.subdistrict = sd.id AND q.year = {:year}), 0) AS "of",
		(SELECT COUNT(*) FROM smoke_alarm_installs i WHERE i.subdistrict = sd.id AND i.voided = FALSE
			AND i.installed_on >= {:year_start} AND i.installed_on < {:due}) AS done,
		(SELECT COUNT(*) FROM smoke_alarm_installs i WHERE i.subdistrict = sd.id AND i.voided = FALSE
			AND i.installed_on >= {:due}) AS late
		FROM subdistricts sd`,
	"key_units_standardised": `SELECT sd.id AS subdistrict,
		(SELECT COUNT(*) FROM places p WHERE p.subdistrict = sd.id AND p.voided = FALSE AND p.key_unit) AS "of",
		(SELECT COUNT(*) FROM places p WHERE p.subdistrict = sd.id AND p.voided = FALSE AND p.key_unit
			AND p.standardised_on != '' AND p.standardised_on < {:due}) AS done,
		(SELECT COUNT(*) FROM places p WHERE p.subdistrict = sd.id AND p.voided = FALSE AND p.key_unit
			AND p.standardised_on >= {:due}) AS late
		FROM subdistricts sd`,
	// Every subdistrict keeps a ledger; it was set up when its first entry was recorded.
	"bareland_ledger": `SELECT sd.id AS subdistrict, 1 AS "of",
		(SELECT COUNT(*) FROM (SELECT MIN(e.recorded_on) AS first FROM bare_land_entries e
			WHERE e.subdistrict = sd.id AND e.voided = FALSE) WHERE first < {:due}) AS done,
		(SELECT COUNT(*) FROM (SELECT MIN(e.recorded_on) AS first FROM bare_land_entries e
			WHERE e.subdistrict = sd.id AND e.voided = FALSE) WHERE first >= {:due}) AS late
		FROM subdistricts sd`,
	// A centre of the ledger is surveyed at its first survey or routine inspection.
	"centres_surveyed": `SELECT sd.id AS subdistrict,
		(SELECT COUNT(*) FROM tutoring_centres c WHERE c.subdistrict = sd.id AND c.voided = FALSE) AS "of",
		(SELECT COUNT(*) FROM tutoring_centres c WHERE c.subdistrict = sd.id AND c.voided = FALSE
			AND (` + firstSurvey + `) < {:due}) AS done,
		(SELECT COUNT(*) FROM tutoring_centres c WHERE c.subdistrict = sd.id AND c.voided = FALSE
			AND (` + firstSurvey + `) >= {:due}) AS late
		FROM subdistricts sd`,
	"tutoring_rectified": `SELECT sd.id AS subdistrict,
		(SELECT COUNT(*) FROM findings f WHERE f.subdistrict = sd.id AND f.voided = FALSE AND f.programme = 'tutoring') AS "of",
		(SELECT COUNT(*) FROM findings f WHERE f.subdistrict = sd.id AND f.voided = FALSE AND f.programme = 'tutoring'
			AND f.status = 'closed' AND f.closed_at < {:due}) AS done,
		(SELECT COUNT(*) FROM findings f WHERE f.subdistrict = sd.id AND f.voided = FALSE AND f.programme = 'tutoring'
			AND f.status = 'closed' AND f.closed_at >= {:due}) AS late
		FROM subdistricts sd`,
}

const firstSurvey = `SELECT MIN(i.inspected_at) FROM inspections i WHERE i.place = c.place AND i.voided = FALSE
	AND i.programme = 'tutoring' AND i.kind IN ('survey', 'routine')`

// ComputeMilestone counts m's progress in every subdistrict and the district at now.
func ComputeMilestone(app core.App, m *core.Record, now time.Time) (Milestone, error) {
	due := m.GetDateTime("due")
	q, ok := measureSQL[m.GetString("measure")]
	if !ok {
		return Milestone{}, fmt.Errorf("milestone %s: unknown measure %q", m.Id, m.GetString("measure"))
	}
	year := due.Time().In(beijing).Year()
	yearStart, err := types.ParseDateTime(time.Date(year, 1, 1, 0, 0, 0, 0, beijing).UTC())
	if err != nil {
		return Milestone{}, err
	}
	rows := []Progress{}
	err = app.DB().NewQuery(q + " ORDER BY sd.id").
		Bind(dbx.Params{"due": due.String(), "year": year, "year_start": yearStart.String()}).All(&rows)
	if err != nil {
		return Milestone{}, fmt.Errorf("milestone %s: %w", m.GetString("code"), err)
	}
	target, passed := m.GetFloat("target"), !now.Before(due.Time())
	district := Progress{}
	for i := range rows {
		rows[i].judge(target, passed)
		district.Of += rows[i].Of
		district.Done += rows[i].Done
		district.Late += rows[i].Late
	}
	district.judge(target, passed)
	label, _ := vocab.MilestoneMeasure.Label(m.GetString("measure"))
	return Milestone{ID: m.Id, Code: m.GetString("code"), Programme: m.GetString("programme"),
		Title: m.GetString("title"), GazetteLine: m.GetString("gazette_line"), Due: due.String(),
		Target: target, Measure: m.GetString("measure"), MeasureZH: label.ZH, Local: m.GetString("local"),
		LeadAgency: m.GetString("lead_agency"), Rows: rows, District: &district}, nil
}

// judge sets the share and whether the target is met (a little slack for the float target:
// 10% of 30 units is met by 3).
func (p *Progress) judge(target float64, passed bool) {
	p.Share = share(p.Done, p.Of)
	p.Met = p.Of == 0 || float64(p.Done) >= target*float64(p.Of)-1e-9
	p.Overdue = passed && !p.Met
}

// escalateMilestones tells the supervisors of every subdistrict that missed a milestone whose
// deadline has passed, once per milestone and due date (fs_milestone_escalations), as the
// deadline job tells them of an overdue finding.
func escalateMilestones(app core.App, now time.Time) error {
	at, err := types.ParseDateTime(now.UTC())
	if err != nil {
		return err
	}
	due, err := app.FindAllRecords(schema.Milestones, dbx.NewExp("due <= {:now}", dbx.Params{"now": at.String()}))
	if err != nil {
		return fmt.Errorf("milestones due: %w", err)
	}
	for _, m := range due {
		ms, err := ComputeMilestone(app, m, now)
		if err != nil {
			return err
		}
		for _, row := range ms.Rows {
			if !row.Overdue {
				continue
			}
			err := app.RunInTransaction(func(tx core.App) error {
				res, err := tx.DB().NewQuery(`INSERT OR IGNORE INTO fs_milestone_escalations (milestone, subdistrict, due, escalated_at)
					VALUES ({:m}, {:sd}, {:due}, {:now})`).
					Bind(dbx.Params{"m": m.Id, "sd": row.Subdistrict, "due": ms.Due, "now": at.String()}).Execute()
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					return nil // told before
				}
				return notifySubdistrict(tx, note{kind: "milestone_overdue", subdistrict: row.Subdistrict,
					message: fmt.Sprintf("计划节点到期未完成：%s（第 %s 行）。按期完成 %d / %d，目标 %s",
						ms.Title, ms.GazetteLine, row.Done, row.Of, percentText(ms.Target))})
			})
			if err != nil {
				return fmt.Errorf("escalate milestone %s: %w", ms.Code, err)
			}
		}
	}
	return nil
}

func percentText(f float64) string {
	return strconv.FormatFloat(f*100, 'f', -1, 64) + "%"
}

// subdistrictNames maps subdistrict ids to their Chinese names.
func subdistrictNames() map[string]string {
	names := map[string]string{}
	for _, sd := range refdata.Subdistricts() {
		names[sd.ID] = sd.NameZH
	}
	return names
}
