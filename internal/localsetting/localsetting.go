// Package localsetting holds the district's local choices: the rules where the gazette is
// silent and the district decided (issue 20: "mark the rule as the district's local choice (a
// setting, not code)"). Each is a record of the collection local_settings, one per key, which
// district administrators edit in the admin UI and staff read; the code reads them here.
//
// A setting's record carries its value (JSON), the gazette line it fills or departs from and a
// description in Chinese and English. The defaults below are the behaviour before the choices
// became settings; the migration seeds them, and a missing record reads as its default, so
// deleting a record in the admin UI puts the district back on today's rule.
//
// Values are read from a cache kept per app and dropped whenever a local_settings record is
// saved or deleted, so hot paths (a sync push of many mutations) ask the database once per
// change of a setting, not once per record.
package localsetting

// Key names one local choice.
type Key string

// The local choices that are rules. Choices that only name something (the code name
// stop_and_report of the subdistricts' measure, the labels of columns) stay code: there is no
// behaviour to switch, and a renamed code would break stored records and phones.
const (
	// WhiteListNeedsLicence: only a centre holding a school licence and operating (not under
	// rectification, suspended or stopped) may be white-listed. The gazette (4762, 4833) sets
	// no criteria.
	WhiteListNeedsLicence Key = "tutoring.white_list_needs_licence"
	// ListReasonRequired: every white/black-list decision states a reason.
	ListReasonRequired Key = "tutoring.list_reason_required"
	// DailyCountsLaterRoutineFindings: a problem first found at a later routine inspection of a
	// centre already counted counts that day in its problem column (4911 excludes only
	// re-inspections and acceptance checks). Off: only the findings of a place's first survey
	// or routine inspection count.
	DailyCountsLaterRoutineFindings Key = "tutoring.daily_counts_later_routine_findings"
	// DailyFraudCountsMisappropriatedFunds: report (一)'s column 存在虚假宣传、违规招生、收费非法集资问题的
	// (4886) counts 抽逃办学资金 beside 非法集资, as it did when the one stood in for the other, so
	// that past days do not change. Off: the column counts only the gazette's problems.
	DailyFraudCountsMisappropriatedFunds Key = "tutoring.daily_fraud_counts_misappropriated_funds"
	// ElderlyAloneNeedsBirthDate: a household ticked elderly_alone proves the category "60 岁以上
	// 独居老人" (3492) only with a birth date making the resident 60 or over. Off: the tick
	// suffices when no birth date is recorded (a recorded date under 60 still refuses).
	ElderlyAloneNeedsBirthDate Key = "smokealarm.elderly_alone_needs_birth_date"
	// QuotaNotesWriters: the roles that may write a quota's notes (3496 names demand and
	// allocation, not notes).
	QuotaNotesWriters Key = "smokealarm.quota_notes_writers"
	// SiteListCountsUndatedSites: a construction site without a start date counts as working in
	// every quarter it has not ended before, when a site list is sent (3739 says only "施工工地
	// 名单"). A site without an end date is still working, whatever this says.
	SiteListCountsUndatedSites Key = "dust.site_list_counts_undated_sites"
)
