package inspectorapp_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/haidian/fieldsync/internal/dust"
	"github.com/haidian/fieldsync/internal/fire"
	"github.com/haidian/fieldsync/internal/tutoring"
)

// TestRules_MirrorTheServer: the lists the phone checks before a push (ui/rules.js) are the
// server's own, so a rule changed on the server cannot silently leave the phone behind.
func TestRules_MirrorTheServer(t *testing.T) {
	src, err := os.ReadFile("ui/rules.js")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{
		"alwaysMajor":  fire.AlwaysMajor,
		"conductItems": tutoring.ConductItems,
		"safetyItems":  tutoring.SafetyItems,
		"dustItems":    dust.SixHundred,
	} {
		if got := jsList(t, string(src), name); !slices.Equal(got, want) {
			t.Errorf("rules.js %s = %v, the server's %v", name, got, want)
		}
	}
}

// jsList reads `export const name = [ "a", "b", … ];` from a module's source.
func jsList(t *testing.T, src, name string) []string {
	t.Helper()
	m := regexp.MustCompile(`export const ` + name + ` = \[([^\]]*)\]`).FindStringSubmatch(src)
	if m == nil {
		t.Fatalf("rules.js has no list %s", name)
	}
	var out []string
	for _, q := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(m[1], -1) {
		out = append(out, strings.TrimSpace(q[1]))
	}
	return out
}
