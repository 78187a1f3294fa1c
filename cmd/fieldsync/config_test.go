package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/haidian/fieldsync/internal/config"
)

// TestCommand_Config: `fieldsync config` lists every setting with its value and source, never
// a secret's value, and with a bad setting names it and exits 78 like a refused start.
func TestCommand_Config(t *testing.T) {
	bin := buildBinary(t)
	key := strings.Repeat("k", 40)
	cmd := exec.Command(bin, "config")
	cmd.Env = append(os.Environ(), "FIELDSYNC_DB_READERS=4", "FIELDSYNC_RECEIPT_KEY="+key)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("config: %v\n%s%s", err, out.String(), errOut.String())
	}
	entries, _ := config.List(func(string) (string, bool) { return "", false })
	for _, e := range entries {
		if !strings.Contains(out.String(), e.Name) {
			t.Errorf("config does not list %s:\n%s", e.Name, out.String())
		}
	}
	if !regexp.MustCompile(`FIELDSYNC_DB_READERS\s+4\s+environment`).MatchString(out.String()) ||
		!regexp.MustCompile(`FIELDSYNC_SYNCHRONOUS\s+FULL\s+default`).MatchString(out.String()) {
		t.Errorf("values or sources wrong:\n%s", out.String())
	}
	if strings.Contains(out.String(), key) || !regexp.MustCompile(`FIELDSYNC_RECEIPT_KEY\s+\(set, 40 bytes\)\s+environment`).MatchString(out.String()) {
		t.Fatalf("the receipt key is shown otherwise than as set and its length:\n%s", out.String())
	}

	bad := exec.Command(bin, "config")
	bad.Env = append(os.Environ(), "FIELDSYNC_PHOTO_DECODERS=zero")
	msg, err := bad.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 78 || !strings.Contains(string(msg), "FIELDSYNC_PHOTO_DECODERS") ||
		!strings.Contains(string(msg), "FIELDSYNC_DB_READERS") {
		t.Fatalf("config with a bad setting: %v\n%s", err, msg)
	}
}
