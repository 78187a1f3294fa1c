package config_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haidian/fieldsync/internal/config"
	"github.com/haidian/fieldsync/internal/sqlite"
)

// env is a fake environment for Read and List.
type env map[string]string

func (e env) lookup(name string) (string, bool) {
	v, ok := e[name]
	return v, ok
}

// TestRead_EverySetting: each variable sets its field; unset or empty, the default stands.
func TestRead_EverySetting(t *testing.T) {
	def, err := config.Read(env{}.lookup)
	if err != nil || def != config.Default() {
		t.Fatalf("no variables: %+v %v", def, err)
	}
	if def.Synchronous != sqlite.SyncFull || def.DBReaders != sqlite.DefaultReaders || def.RemoveRetention != 30*24*time.Hour || def.PushMaxWait != 30*time.Second {
		t.Fatalf("defaults: %+v", def)
	}
	got, err := config.Read(env{
		"FIELDSYNC_SYNCHRONOUS":           "normal",
		"FIELDSYNC_DB_READERS":            "4",
		"FIELDSYNC_REMOVE_RETENTION_DAYS": "7",
		"FIELDSYNC_PUSH_MAX_WAIT_SECONDS": "12",
		"FIELDSYNC_PHOTO_DECODERS":        "3",
		"FIELDSYNC_PHOTO_MAX_PIXELS":      "2000000",
		"FIELDSYNC_RECEIPT_KEY":           strings.Repeat("r", 32),
		"FIELDSYNC_METRICS_TOKEN":         strings.Repeat("m", 40),
		"FIELDSYNC_CITY_TOKEN":            strings.Repeat("c", 32),
		"FIELDSYNC_LITESTREAM_SOCKET":     "/run/litestream/litestream.sock",
	}.lookup)
	want := config.Config{Synchronous: sqlite.SyncNormal, DBReaders: 4, RemoveRetention: 7 * 24 * time.Hour,
		PushMaxWait: 12 * time.Second, PhotoDecoders: 3, PhotoMaxPixels: 2_000_000, ReceiptKey: strings.Repeat("r", 32), MetricsToken: strings.Repeat("m", 40),
		CityToken: strings.Repeat("c", 32), LitestreamSocket: "/run/litestream/litestream.sock"}
	if err != nil || got != want {
		t.Fatalf("got %+v %v, want %+v", got, err, want)
	}
	empty := env{"FIELDSYNC_SYNCHRONOUS": "", "FIELDSYNC_DB_READERS": "", "FIELDSYNC_RECEIPT_KEY": ""}
	if got, err := config.Read(empty.lookup); err != nil || got != config.Default() {
		t.Fatalf("empty variables: %+v %v", got, err)
	}
}

// TestRead_NamesEveryBadSetting: every malformed value, or secret shorter than 32 bytes, is
// named in one error, so that the start is refused with all of them at once.
func TestRead_NamesEveryBadSetting(t *testing.T) {
	bad := env{
		"FIELDSYNC_SYNCHRONOUS":           "OFF",
		"FIELDSYNC_DB_READERS":            "5000",
		"FIELDSYNC_REMOVE_RETENTION_DAYS": "0",
		"FIELDSYNC_PUSH_MAX_WAIT_SECONDS": "-1",
		"FIELDSYNC_PHOTO_DECODERS":        "zero",
		"FIELDSYNC_PHOTO_MAX_PIXELS":      "999999",
		"FIELDSYNC_RECEIPT_KEY":           "too-short",
		"FIELDSYNC_METRICS_TOKEN":         strings.Repeat("m", 31),
		"FIELDSYNC_CITY_TOKEN":            strings.Repeat("c", 31),
	}
	_, err := config.Read(bad.lookup)
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for name := range bad {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error does not name %s: %v", name, err)
		}
	}
	if strings.Contains(err.Error(), "too-short") {
		t.Errorf("the error shows a secret: %v", err)
	}
	for _, v := range []string{"-3", "many", "1001"} {
		if _, err := config.Read(env{"FIELDSYNC_DB_READERS": v}.lookup); err == nil {
			t.Errorf("FIELDSYNC_DB_READERS=%q accepted", v)
		}
	}
}

// TestList_ValuesSourcesAndSecrets: every setting is listed with the value it runs with and its
// source; a secret only as set and its length, never its value.
func TestList_ValuesSourcesAndSecrets(t *testing.T) {
	key := strings.Repeat("k", 40)
	entries, err := config.List(env{"FIELDSYNC_DB_READERS": "4", "FIELDSYNC_RECEIPT_KEY": key, "FIELDSYNC_SYNCHRONOUS": "normal"}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]config.Entry{}
	for _, e := range entries {
		byName[e.Name] = e
		if strings.Contains(e.Value, key) {
			t.Errorf("%s shows the key", e.Name)
		}
	}
	for name, want := range map[string][2]string{
		"FIELDSYNC_DB_READERS":            {"4", "environment"},
		"FIELDSYNC_SYNCHRONOUS":           {"NORMAL", "environment"},
		"FIELDSYNC_RECEIPT_KEY":           {"(set, 40 bytes)", "environment"},
		"FIELDSYNC_PHOTO_DECODERS":        {strconv.Itoa(config.Default().PhotoDecoders), "default"},
		"FIELDSYNC_PUSH_MAX_WAIT_SECONDS": {"30", "default"},
		"FIELDSYNC_PHOTO_MAX_PIXELS":      {strconv.FormatInt(config.Default().PhotoMaxPixels, 10), "default"},
		"FIELDSYNC_CITY_TOKEN":            {"unset: only district administrators read /api/fs/city/figures", "default"},
		"FIELDSYNC_LITESTREAM_SOCKET":     {"unset: no replication metrics", "default"},
	} {
		if e := byName[name]; e.Value != want[0] || e.Source != want[1] || e.Meaning == "" {
			t.Errorf("%s: %+v, want %v", name, e, want)
		}
	}
	if len(entries) != 10 {
		t.Errorf("%d settings listed", len(entries))
	}

	entries, err = config.List(env{"FIELDSYNC_METRICS_TOKEN": "short-token"}.lookup)
	if err == nil || !strings.Contains(err.Error(), "FIELDSYNC_METRICS_TOKEN") {
		t.Fatalf("a short token passes the listing's check: %v", err)
	}
	for _, e := range entries {
		if e.Name == "FIELDSYNC_METRICS_TOKEN" && (e.Value != "(set, 11 bytes)" || e.Source != "environment (invalid)") {
			t.Errorf("bad token listed as %+v", e)
		}
	}
}

// harness are the variables of the tests' own harness, which the server never reads.
var harness = []string{"FIELDSYNC_LONG", "FIELDSYNC_CHROMIUM", "FIELDSYNC_MAILPIT"}

// TestNoOtherPackageReadsTheEnvironment: outside this package, no code of the module (tests
// aside) reads a FIELDSYNC_ variable, so that each module gets its settings from the one
// Config read at start. Every os.Getenv, os.LookupEnv and syscall.Getenv must name its
// variable by a string literal or a constant of its own package, and that name must not be a
// FIELDSYNC_ one (but for the harness's). os.Environ is left to the commands that hand the
// environment on to a child process.
func TestNoOtherPackageReadsTheEnvironment(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	pkgs := map[string][]*ast.File{} // by directory
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "node_modules" || (strings.HasPrefix(name, ".") && path != root) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		pkgs[filepath.Dir(path)] = append(pkgs[filepath.Dir(path)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	for dir, files := range pkgs {
		if filepath.Base(dir) == "config" && filepath.Base(filepath.Dir(dir)) == "internal" {
			continue
		}
		consts := stringConsts(files)
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || !readsEnv(call) || len(call.Args) != 1 {
					return true
				}
				calls++
				pos := fset.Position(call.Pos())
				name, ok := nameOf(call.Args[0], consts)
				switch {
				case !ok:
					t.Errorf("%s: reads a variable whose name is not a literal or constant of its package", pos)
				case strings.HasPrefix(name, "FIELDSYNC_") && !slices.Contains(harness, name):
					t.Errorf("%s: reads %s itself; add it to internal/config and pass it through app.Options", pos, name)
				}
				return true
			})
		}
	}
	if calls < 3 { // the harness's own reads, at least: the walk found the code
		t.Fatalf("found only %d reads of the environment", calls)
	}
}

// readsEnv reports whether call is os.Getenv, os.LookupEnv or syscall.Getenv.
func readsEnv(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	switch pkg.Name + "." + sel.Sel.Name {
	case "os.Getenv", "os.LookupEnv", "syscall.Getenv":
		return true
	}
	return false
}

// stringConsts are the string constants declared in a package's files.
func stringConsts(files []*ast.File) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							out[name.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	return out
}

// nameOf is the variable name expr spells, when it is a literal or one of consts.
func nameOf(expr ast.Expr, consts map[string]string) (string, bool) {
	switch e := expr.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	}
	return "", false
}
