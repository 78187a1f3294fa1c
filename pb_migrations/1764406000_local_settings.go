package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	ls "github.com/haidian/fieldsync/internal/localsetting"
	s "github.com/haidian/fieldsync/internal/schema"
)

// The district's local choices as settings (issue 20: "mark the rule as the district's local
// choice (a setting, not code)"; internal/localsetting). One record per rule: its key, its
// value, the gazette line it fills or departs from, and what it means in Chinese and English.
// Staff read them (a rule they work under is no secret); only district administrators write
// them, in the admin UI. The records are seeded with the behaviour before this migration.
func localSettingsSpec() spec {
	return spec{name: s.LocalSettings, unique: [][]string{{"key"}},
		rules: a.Rules{List: a.Rule(a.Staff), View: a.Rule(a.Staff)},
		fields: []core.Field{
			pattern("key", true, 100, `^[a-z0-9_.]+$`),
			jsonField("value", 4096),
			text("gazette_line", false, 50),
			text("description_zh", true, maxNote),
			text("description_en", true, maxNote),
		}}
}

func init() {
	m.Register(func(app core.App) error {
		if err := createAll(app, []spec{localSettingsSpec()}, nil); err != nil {
			return err
		}
		return ls.Seed(app, ls.WhiteListNeedsLicence, ls.ListReasonRequired, ls.DailyCountsLaterRoutineFindings, ls.DailyFraudCountsMisappropriatedFunds,
			ls.ElderlyAloneNeedsBirthDate, ls.QuotaNotesWriters, ls.SiteListCountsUndatedSites)
	}, func(app core.App) error {
		return deleteAll(app, []spec{localSettingsSpec()})
	})
}
