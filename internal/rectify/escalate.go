package rectify

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// Escalate marks the findings whose rectification deadline passed before now as escalated and
// tells their subdistrict's supervisors; it does the same for referrals an agency has not
// answered by their deadline. It is idempotent: what it escalated once it leaves alone. The
// server runs it every few minutes; tests call it with their own now.
func Escalate(app core.App, now time.Time) (findings, referrals int, err error) {
	cutoff, err := types.ParseDateTime(now.UTC())
	if err != nil {
		return 0, 0, err
	}
	overdue, err := app.FindAllRecords(schema.Findings,
		dbx.In(schema.FieldStatus, Ordered, Acknowledged),
		dbx.NewExp("deadline != '' AND deadline < {:now}", dbx.Params{"now": cutoff.String()}),
		dbx.HashExp{"voided": false})
	if err != nil {
		return 0, 0, fmt.Errorf("overdue findings: %w", err)
	}
	for _, f := range overdue {
		err := app.RunInTransaction(func(tx core.App) error {
			f.Set(schema.FieldStatus, Escalated)
			f.Set("escalated_at", cutoff)
			access.Attribute(f, access.Attribution{Actor: access.System, Door: access.DoorHook, Trusted: true})
			if err := tx.Save(f); err != nil {
				return err
			}
			return notifySupervisors(tx, f, "finding_overdue", "隐患逾期未整改，已升级督办："+f.GetString("description"), "")
		})
		if err != nil {
			return findings, referrals, fmt.Errorf("escalate %s: %w", f.Id, err)
		}
		findings++
	}
	late, err := app.FindAllRecords(schema.Referrals,
		dbx.HashExp{schema.FieldStatus: referralPending, "escalated_at": ""},
		dbx.NewExp("deadline < {:now}", dbx.Params{"now": cutoff.String()}))
	if err != nil {
		return findings, 0, fmt.Errorf("late referrals: %w", err)
	}
	for _, ref := range late {
		err := app.RunInTransaction(func(tx core.App) error {
			ref.Set("escalated_at", cutoff)
			access.Attribute(ref, access.Attribution{Actor: access.System, Door: access.DoorHook, Trusted: true})
			if err := tx.Save(ref); err != nil {
				return err
			}
			f, err := tx.FindRecordById(schema.Findings, ref.GetString("finding"))
			if err != nil {
				return err
			}
			return notifySupervisors(tx, f, "referral_overdue", "部门逾期未报到："+ref.GetString("reason"), ref.Id)
		})
		if err != nil {
			return findings, referrals, fmt.Errorf("escalate referral %s: %w", ref.Id, err)
		}
		referrals++
	}
	if err := escalateCentres(app, now); err != nil {
		return findings, referrals, err
	}
	if err := escalateMilestones(app, now); err != nil {
		return findings, referrals, err
	}
	return findings, referrals, nil
}

// escalateCentres escalates a centre's 限期整改 left unmet past its deadline as an overdue
// finding is escalated: the tutoring plan has the centres that did not rectify in time
// pursued ("对未在规定时间内完成整改的培训机构，依法开展查处", gazette line 4823). A 限期整改 is
// met when a supervisor withdraws or changes the outcome (centre.decide@1), which also clears
// the escalation so that a new deadline is followed again.
func escalateCentres(app core.App, now time.Time) error {
	cutoff, err := types.ParseDateTime(now.UTC())
	if err != nil {
		return err
	}
	late, err := app.FindAllRecords(schema.Centres,
		dbx.HashExp{"outcome": "rectify", "outcome_escalated_at": "", "voided": false},
		dbx.NewExp("outcome_deadline != '' AND outcome_deadline < {:now}", dbx.Params{"now": cutoff.String()}))
	if err != nil {
		return fmt.Errorf("centres past their deadline: %w", err)
	}
	for _, c := range late {
		err := app.RunInTransaction(func(tx core.App) error {
			c.Set("outcome_escalated_at", cutoff)
			access.AsSystem(c)
			if err := tx.Save(c); err != nil {
				return err
			}
			name := ""
			if place, err := tx.FindRecordById(schema.Places, c.GetString(schema.FieldPlace)); err == nil {
				name = place.GetString("name")
			}
			return notifySubdistrict(tx, note{kind: "centre_overdue", subdistrict: c.GetString(schema.FieldSubdistrict),
				message: "培训机构限期整改逾期未完成，请依法查处：" + name})
		})
		if err != nil {
			return fmt.Errorf("escalate centre %s: %w", c.Id, err)
		}
	}
	return nil
}
