package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestConfig_ListsEverySetting: every FIELDSYNC_ variable that the server's code reads is in
// knownSettings, so `fieldsync config` lists it. The variables of the tests' own harness are
// not the server's.
func TestConfig_ListsEverySetting(t *testing.T) {
	harness := []string{"FIELDSYNC_LONG", "FIELDSYNC_CHROMIUM"}
	var listed []string
	for _, s := range knownSettings() {
		listed = append(listed, s.name)
	}
	name := regexp.MustCompile(`"(FIELDSYNC_[A-Z0-9_]+)"`)
	found := 0
	for _, root := range []string{"../../internal", "."} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range name.FindAllStringSubmatch(string(src), -1) {
				found++
				if !slices.Contains(listed, m[1]) && !slices.Contains(harness, m[1]) {
					t.Errorf("%s reads %s, which fieldsync config does not list", path, m[1])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if found < len(listed)-1 { // the metrics token's name is a constant in this package
		t.Fatalf("found only %d settings read in the code", found)
	}
}

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
	for _, s := range knownSettings() {
		if !strings.Contains(out.String(), s.name) {
			t.Errorf("config does not list %s:\n%s", s.name, out.String())
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
