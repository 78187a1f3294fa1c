// Package fire holds the fire-hazard programme's rules (plan 海政办发〔2018〕16号, gazette lines
// 3366-3662): which hazards are always major, and what an enforcement measure must record.
// They are model hooks, so they hold at every door.
package fire

import (
	"slices"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
)

// AlwaysMajor are the fire categories recorded as major hazards (重大火灾隐患) whatever the
// inspector judges. The plan lists them among the hazards to be rectified under government
// supervision, and GB 35181-2017 (重大火灾隐患判定方法) judges them major directly: flammable
// external insulation of high-rises, people living in "multi-in-one" premises or basements,
// and flammable or explosive goods stored illegally.
var AlwaysMajor = []string{
	"fire.external_insulation",
	"fire.multi_in_one",
	"fire.basement_dwelling",
	"fire.flammable_storage",
}

// Register binds the programme's rules.
func Register(app core.App) {
	app.OnRecordCreate(schema.Findings).BindFunc(checkSeverity)
	app.OnRecordUpdate(schema.Findings).BindFunc(checkSeverity)
	app.OnRecordCreate(schema.Enforcements).BindFunc(checkMeasure)
	app.OnRecordUpdate(schema.Enforcements).BindFunc(checkMeasure)
}

func checkSeverity(e *core.RecordEvent) error {
	r := e.Record
	if slices.Contains(AlwaysMajor, r.GetString("category")) && r.GetString("severity") != "major" {
		return validation.Errors{"severity": validation.NewError("fire_category_always_major",
			"此类隐患属重大火灾隐患，严重程度须为“重大” / this category is always a major fire hazard")}
	}
	return e.Next()
}

// checkMeasure: a fine records its amount; no other measure carries one.
func checkMeasure(e *core.RecordEvent) error {
	r := e.Record
	fine := r.GetFloat("fine_yuan")
	switch {
	case r.GetString("measure") == "fine" && fine <= 0:
		return validation.Errors{"fine_yuan": validation.NewError("enforcement_fine_amount",
			"罚款须写明金额 / a fine needs its amount in yuan")}
	case r.GetString("measure") != "fine" && fine != 0:
		return validation.Errors{"fine_yuan": validation.NewError("enforcement_amount_without_fine",
			"只有罚款才有金额 / only a fine has an amount")}
	}
	return e.Next()
}
