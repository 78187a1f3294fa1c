// Package schema names fieldsync's collections and the fields that several packages read, so a
// rename is one edit and a typo is a compile error. The collections themselves are built by the
// Go migrations in pb_migrations.
package schema

// Collection names.
const (
	Users          = "users"
	Subdistricts   = "subdistricts"
	Agencies       = "agencies"
	Places         = "places"
	Households     = "households"
	Centres        = "tutoring_centres"
	CentreClasses  = "centre_classes"
	Sites          = "construction_sites"
	Inspections    = "inspections"
	Findings       = "findings"
	Referrals      = "referrals"
	Enforcements   = "enforcement_actions"
	AlarmQuotas    = "smoke_alarm_quotas"
	AlarmInstalls  = "smoke_alarm_installs"
	AlarmFollowups = "smoke_alarm_followups"
	// SiteLists are the subdistricts' quarterly lists of construction sites for the
	// environment bureau (gazette line 3739).
	SiteLists = "dust_site_lists"
	// AlarmSamplings are the fire brigade's product samples sent for testing (抽样送检).
	AlarmSamplings = "smoke_alarm_samplings"
	LandEntries    = "bare_land_entries"
	Dustfall       = "dustfall_readings"
	Reports        = "public_reports"
	ReportContacts = "report_contacts"
	ReportUpdates  = "report_updates"
	ReportReceipts = "report_receipts"
	// TrackingCodes seal a receipt under the short code a reporter writes down (internal/publicweb).
	TrackingCodes = "report_tracking_codes"
	// ReportMail is the outbox of reporters' e-mail updates (internal/publicweb/mail.go).
	ReportMail    = "report_mail_outbox"
	Open311Keys   = "open311_keys"
	Photos        = "photos"
	Blobs         = "blobs"
	AuditLog      = "audit_log"
	SyncClients   = "sync_clients"
	SyncIssues    = "sync_issues"
	SyncJournal   = "sync_journal"
	Notifications = "notifications"

	// Milestones are the plans' deadlines, with the share due by each (internal/rectify).
	Milestones = "milestones"

	// LocalSettings are the district's local choices, one record per rule (internal/localsetting).
	LocalSettings = "local_settings"

	// Incidents around tutoring centres, for the daily report (一).
	Incidents = "tutoring_incidents"

	// The agencies' registries, imported for the tutoring programme's cross-check.
	RegistryImports = "registry_imports"
	RegistryEntries = "registry_entries"

	// Published, read-only views for the public: no personal data.
	PublicCentres       = "public_centres"
	PublicCentreClasses = "public_centre_classes"
)

// Field names shared across collections.
const (
	FieldSubdistrict = "subdistrict"
	FieldAgency      = "agency"
	FieldPlace       = "place"
	FieldStatus      = "status"
)

// CollectionID is the fixed id a migration gives to a fieldsync collection, so relations can
// name their target before it is looked up.
// The users collection keeps the id PocketBase's own first migration gave it.
func CollectionID(name string) string {
	if name == Users {
		return "_pb_users_auth_"
	}
	return "fs_" + name
}
