package scaledjpeg

import (
	"os/exec"
	"testing"
)

// TestFork_DiffersFromUpstreamAsRecorded runs scripts/scaledjpeg-rediff.sh: the fork's diff
// against the toolchain's image/jpeg must be upstream.diff, so every change is recorded in
// UPSTREAM.md's list and a Go release that changed the decoder is noticed.
func TestFork_DiffersFromUpstreamAsRecorded(t *testing.T) {
	out, err := exec.Command("bash", "../../../scripts/scaledjpeg-rediff.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
