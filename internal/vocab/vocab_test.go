package vocab

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// No two enumerations have the same values, so that Matching names a select field's
// enumeration from its values alone.
func TestEnums_ValuesNameTheirEnum(t *testing.T) {
	for _, e := range All() {
		got, ok := Matching(e.Values())
		if !ok || got.Name != e.Name {
			t.Errorf("the values of %s match %q", e.Name, got.Name)
		}
	}
	if _, ok := Matching([]string{"inspector", "supervisor"}); ok {
		t.Error("a subset of role's values matched an enumeration")
	}
}

// Every help text fits PocketBase's 300 bytes, is valid UTF-8, names the first value in
// Chinese, and lists every value or says how many there are.
func TestEnum_HelpFitsAndSaysAll(t *testing.T) {
	for _, e := range All() {
		h := e.Help()
		if len(h) > maxHelp || !utf8.ValidString(h) || !strings.HasPrefix(h, "可选："+e.Terms[0].ZH+" "+e.Terms[0].Value) {
			t.Errorf("%s: %d bytes: %q", e.Name, len(h), h)
		}
		all := !slices.ContainsFunc(e.Terms, func(x Term) bool { return !strings.Contains(h, x.ZH+" "+x.Value) })
		if !all && !strings.HasSuffix(h, "项") {
			t.Errorf("%s: %q leaves values out without saying so", e.Name, h)
		}
	}
	if h := Role.Help(); h != "可选：巡查员 inspector、督办主管 supervisor、部门工作人员 agency_staff" {
		t.Errorf("role's help: %q", h)
	}
}
