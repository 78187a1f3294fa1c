package access

import "strings"

// Rules is the set of API rules of one collection. A nil rule means superusers only; "" means
// anyone, including anonymous visitors.
type Rules struct {
	List, View, Create, Update, Delete *string
}

// Rule returns a pointer to the rule made of all parts joined with &&.
func Rule(parts ...string) *string {
	s := strings.Join(parts, " && ")
	return &s
}

// Any joins rule parts with ||, each in parentheses.
func Any(parts ...string) string {
	return "((" + strings.Join(parts, ") || (") + "))"
}

// Building blocks of the rules. They always pin the auth collection, so a token of another
// auth collection can never satisfy a staff rule.
const (
	Staff      = `@request.auth.collectionName = "users"`
	FieldRole  = `(@request.auth.role = "inspector" || @request.auth.role = "supervisor")`
	SupervRole = `@request.auth.role = "supervisor"`
	AgencyRole = `@request.auth.agency != ""`
	// InSomeSubdistrict is true when the signed-in user belongs to at least one subdistrict.
	// It guards every membership test: PocketBase compares a missing value as "", so without
	// it a user of no subdistrict (agency staff) would count as a member of "no subdistrict"
	// and match every record or colleague whose subdistrict is empty.
	InSomeSubdistrict = `@request.auth.subdistricts:length > 0`
)

// MemberOf is true when the signed-in user belongs to the subdistrict held in expr (a field
// path such as "subdistrict" or "place.subdistrict", or "@request.body.subdistrict").
func MemberOf(expr string) string {
	return InSomeSubdistrict + " && @request.auth.subdistricts.id ?= " + expr
}

// AgencyIs is true when the signed-in user's agency is the non-empty agency held in expr.
func AgencyIs(expr string) string {
	return AgencyRole + " && " + expr + " ?= @request.auth.agency"
}

// ScopedRead lets staff read records of their subdistricts, and agency users read records
// that one of the agency conditions (AgencyIs, ReferredVia) grants them.
func ScopedRead(agencyConds ...string) *string {
	if len(agencyConds) == 0 {
		return Rule(Staff, MemberOf("subdistrict"))
	}
	return Rule(Staff, Any(append([]string{MemberOf("subdistrict")}, agencyConds...)...))
}

// ReferredVia grants agency users a record that a finding referred to their agency links to,
// through the back-relation backRel (e.g. "findings_via_photos"). The finding must lie in the
// record's subdistrict too, so a link that should never have been stored leads nowhere.
func ReferredVia(backRel string) string {
	return AgencyIs(backRel+".agency") + " && " + backRel + ".subdistrict ?= subdistrict"
}

// FieldCreate lets inspectors and supervisors create records in their subdistricts.
func FieldCreate() *string {
	return Rule(Staff, FieldRole, MemberOf("@request.body.subdistrict"))
}

// FieldUpdate lets inspectors and supervisors update records of their subdistricts.
func FieldUpdate() *string {
	return Rule(Staff, FieldRole, MemberOf("subdistrict"))
}

// SupervisorWrite lets supervisors of the record's subdistrict write.
func SupervisorWrite(subdistrictExpr string) *string {
	return Rule(Staff, SupervRole, MemberOf(subdistrictExpr))
}

// Public is the rule that lets anyone read.
func Public() *string { return Rule() }

// AgencyCodeIs is true when the signed-in user is staff of the agency with code (e.g. "fire"),
// for the records an agency keeps for the whole district rather than per referral.
func AgencyCodeIs(code string) string {
	return AgencyRole + ` && @request.auth.agency.code = "` + code + `"`
}
