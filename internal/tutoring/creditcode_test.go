package tutoring_test

import (
	"testing"

	"github.com/haidian/fieldsync/internal/tutoring"
)

// TestCreditCode_Check: codes whose check character is computed by GB 32100-2015 pass; a code
// of the wrong length, with a letter outside the alphabet or with a wrong check character is
// refused with its reason.
func TestCreditCode_Check(t *testing.T) {
	valid := []string{
		// Check characters computed by hand from the standard's weights, then by CreditCheck.
		"91110108MA01C3K7X" + string(tutoring.CreditCheck("91110108MA01C3K7X")),
		"911101087263587417",
		"91350100M000100Y43",
		"91110000802100433B",
		"91440300708461136T",
		"91110108551385082Q",
		"52110108MJ0123ABX" + string(tutoring.CreditCheck("52110108MJ0123ABX")),
	}
	for _, c := range valid {
		if r := tutoring.NormalizeCredit(c).Check(); r != "" {
			t.Errorf("%s: refused with %s, want valid", c, r)
		}
	}
	if r := tutoring.NormalizeCredit(" 911101087263587417 ").Check(); r != "" {
		t.Errorf("spaces and case are normalised, got %s", r)
	}
	invalid := map[string]string{
		"":                    tutoring.CodeCreditLength,
		"91110108726358741":   tutoring.CodeCreditLength,
		"9111010872635874188": tutoring.CodeCreditLength,
		"91110108MA01OBCDIX":  tutoring.CodeCreditChar,
		"9111010872635874S7":  tutoring.CodeCreditChar,
		"91110108７263587418":  tutoring.CodeCreditLength,
		"911101087263587418":  tutoring.CodeCreditCheck,
		"911101087263587471":  tutoring.CodeCreditCheck,
		"91440300708461136Y":  tutoring.CodeCreditCheck,
		"91350100M000100Y44":  tutoring.CodeCreditCheck,
	}
	for c, want := range invalid {
		if got := tutoring.CreditCode(c).Check(); got != want {
			t.Errorf("%q: got %q, want %q", c, got, want)
		}
	}
}
