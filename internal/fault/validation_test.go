package fault_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	validation "github.com/pocketbase/ozzo-validation/v4"

	"github.com/haidian/fieldsync/internal/fault"
)

// recordValidationSources are the files, of the module versions go.mod names, whose
// validation codes a record write can meet: PocketBase's fields, record model, database
// layer, validators and upsert form, and every rule of ozzo-validation.
var recordValidationSources = map[string][]string{
	"github.com/pocketbase/pocketbase": {"core/field*.go", "core/record*.go", "core/db*.go",
		"core/validators/*.go", "forms/record_upsert.go"},
	"github.com/pocketbase/ozzo-validation/v4": {"*.go"},
}

// TestValidationZH_CoversPocketBase fails when a PocketBase or ozzo-validation upgrade brings
// a validation code that has no Chinese message.
func TestValidationZH_CoversPocketBase(t *testing.T) {
	code := regexp.MustCompile(`"(validation_[a-z_]+)"`)
	seen := 0
	for mod, globs := range recordValidationSources {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", mod, err)
		}
		dir := strings.TrimSpace(string(out))
		for _, g := range globs {
			files, _ := filepath.Glob(filepath.Join(dir, g))
			if len(files) == 0 {
				t.Fatalf("%s: no %s: the list of sources is stale", mod, g)
			}
			for _, f := range files {
				if strings.HasSuffix(f, "_test.go") {
					continue
				}
				src, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range code.FindAllStringSubmatch(string(src), -1) {
					seen++
					if !fault.HasValidationZH(m[1]) {
						t.Errorf("%s (%s) has no Chinese message in fault.validationZH", m[1], f)
					}
				}
			}
		}
	}
	if seen < 50 {
		t.Fatalf("only %d codes found: the scan no longer reads the sources", seen)
	}
}

// Bilingual fills the params into the Chinese and keeps the English as PocketBase renders it,
// nested errors included; a code it does not know (fieldsync's own) is left alone; a client's
// text in the English half is not parsed as a template.
func TestBilingual(t *testing.T) {
	own := validation.NewError("finding_bad_transition", "不行 / no")
	got := fault.Bilingual(validation.Errors{
		"name": validation.NewError("validation_max_text_constraint", "Must be no more than {{.max}} character(s).").
			SetParams(map[string]any{"max": 3}),
		"checklist": validation.Errors{"0": validation.NewError("validation_required", "cannot be blank")},
		"status":    own,
		"photo": validation.NewError("validation_file_size_limit", "Failed to upload {{.file}}.").
			SetParams(map[string]any{"file": "{{evil}}.jpg", "maxSize": 10}),
	})
	want := map[string]string{
		"name":      "不能超过 3 个字符 / Must be no more than 3 character(s).",
		"checklist": "0: 不能为空 / cannot be blank.",
		"status":    "不行 / no",
		"photo":     "文件超过允许的大小（10 字节） / Failed to upload {{evil}}.jpg.",
	}
	for field, w := range want {
		if g := got[field].Error(); g != w {
			t.Errorf("%s: %q, want %q", field, g, w)
		}
	}
	if again := fault.Bilingual(got); again["name"].Error() != want["name"] {
		t.Errorf("a second pass changed the message: %q", again["name"].Error())
	}
}
