package smokealarm

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cast"

	"github.com/haidian/fieldsync/internal/atomic"
	"github.com/haidian/fieldsync/internal/schema"
)

// The reason codes of refused follow-ups (with CodeSerialTaken for a new unit's serial).
const (
	CodeInstallVoided       = "alarm_install_voided"
	CodeReplacementUntested = "alarm_replacement_untested"
)

// Fields of smoke_alarm_followups the rules read or set.
const (
	fieldInstall        = "install"
	fieldResult         = "result"
	fieldNewSerial      = "new_serial"
	fieldReplacedSerial = "replaced_serial"
)

// registerFollowupRules binds the follow-up rules. The access policy already refuses an
// install of another subdistrict (link_invalid); these rules bind every writer.
func registerFollowupRules(app core.App) {
	check := func(e *core.RecordEvent) error {
		if err := checkFollowup(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	}
	app.OnRecordCreate(schema.AlarmFollowups).BindFunc(check)
	app.OnRecordUpdate(schema.AlarmFollowups).BindFunc(check)
	newSerialFree := func(e *core.RecordEvent) error {
		if err := checkNewSerialFree(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	}
	app.OnRecordCreateExecute(schema.AlarmFollowups).BindFunc(newSerialFree)
	app.OnRecordUpdateExecute(schema.AlarmFollowups).BindFunc(newSerialFree)
}

// checkFollowup refuses a follow-up recorded against a voided install and a replacement
// without the new unit's test. On create it records the serial a replacement replaced: the install's current
// one, which is the newest earlier replacement's or else the installed one.
func checkFollowup(app core.App, r *core.Record) error {
	r.Set(fieldNewSerial, normalSerial(r.GetString(fieldNewSerial)))
	install, err := app.FindRecordById(schema.AlarmInstalls, r.GetString(fieldInstall))
	if err != nil {
		return nil // a missing install is the access policy's and the schema's to refuse
	}
	errs := validation.Errors{}
	if install.GetBool(fieldVoided) && linksAnew(app, r) {
		errs[fieldInstall] = refusal(CodeInstallVoided, "该安装记录已作废，不能再登记回访",
			"the install is voided; no follow-up can be recorded against it")
	}
	replaced := r.GetString(fieldNewSerial) != ""
	if replaced && r.GetString(fieldResult) == "not_present" {
		errs[fieldResult] = refusal(CodeReplacementUntested, "更换装置须记录新装置的测试结果（合格或不合格）",
			"a replacement records the new unit's test: pass or fail")
	}
	if len(errs) > 0 {
		return errs
	}
	if r.IsNew() {
		current := ""
		if replaced {
			if current, err = currentSerial(app, install); err != nil {
				return err
			}
		}
		r.Set(fieldReplacedSerial, current)
	}
	return nil
}

// linksAnew reports whether r is new or now names another install than stored.
func linksAnew(app core.App, r *core.Record) bool {
	if r.IsNew() {
		return true
	}
	stored, err := app.FindRecordById(r.Collection(), cast.ToString(r.LastSavedPK()))
	return err != nil || stored.GetString(fieldInstall) != r.GetString(fieldInstall)
}

// currentSerial is the serial of the unit hanging at install now: the new serial of its newest
// live replacement, or the serial it was installed with.
func currentSerial(app core.App, install *core.Record) (string, error) {
	var serial string
	err := app.DB().Select("new_serial").From(schema.AlarmFollowups).
		Where(dbx.HashExp{fieldInstall: install.Id}).
		AndWhere(dbx.NewExp("new_serial != '' AND voided = FALSE")).
		OrderBy("visited_on DESC", "created DESC", "id DESC").Limit(1).Row(&serial)
	if errors.Is(err, sql.ErrNoRows) {
		return install.GetString(fieldSerial), nil
	}
	if err != nil {
		return "", fmt.Errorf("current serial: %w", err)
	}
	return serial, nil
}

// checkNewSerialFree refuses a live replacement whose new serial another live unit holds,
// inside the write's transaction, like checkSerialFree for installs.
func checkNewSerialFree(app core.App, r *core.Record) error {
	serial := r.GetString(fieldNewSerial)
	if serial == "" || r.GetBool(fieldVoided) {
		return nil
	}
	if prev := atomic.Previous(r); !r.IsNew() && prev.GetString(fieldNewSerial) == serial && !prev.GetBool(fieldVoided) {
		return nil
	}
	taken, err := serialTaken(app, serial, "", r.Id)
	if err != nil {
		return err
	}
	if taken {
		return validation.Errors{fieldNewSerial: errSerialTaken}
	}
	return nil
}
