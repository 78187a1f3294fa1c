package browsertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallScript_SaysWhatGoesUnchecked: where make test cannot install chromium and
// poppler-utils (no apt-get), scripts/install-chromium.sh says which checks skip. go test
// prints nothing of a passing package, skips included, so this is the only word a developer's
// make test gives of PDF text left unchecked.
func TestInstallScript_SaysWhatGoesUnchecked(t *testing.T) {
	bin := t.TempDir() // a PATH with neither chromium, pdftotext nor apt-get
	id, err := exec.LookPath("id")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(id, filepath.Join(bin, "id")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/bash", filepath.Join("..", "..", "..", "scripts", "install-chromium.sh"))
	cmd.Env = []string{"PATH=" + bin}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install-chromium.sh: %v\n%s", err, out)
	}
	for _, want := range []string{"browser tests", "chromium", "poppler-utils", "PDFs", "unchecked"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the script's warning lacks %q:\n%s", want, out)
		}
	}
}
