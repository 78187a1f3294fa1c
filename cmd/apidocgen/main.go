// Command apidocgen writes mobile-api/openapi.yaml: the hand-written endpoints of
// mobile-api/schema/endpoints.yaml merged with the record schemas of the synced collections,
// read from a fresh database built by the migrations. Run it from anywhere in the module
// after changing the template or a synced collection:
//
//	GOTOOLCHAIN=go1.27.3 go run ./cmd/apidocgen
//
// With -check it writes nothing and exits 1 if the committed document is stale.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/apidoc"

	// The schema the document describes.
	_ "github.com/haidian/fieldsync/pb_migrations"
)

func main() {
	check := flag.Bool("check", false, "report whether the document is up to date; write nothing")
	flag.Parse()
	if err := run(*check); err != nil {
		fmt.Fprintln(os.Stderr, "apidocgen:", err)
		os.Exit(1)
	}
}

func run(check bool) error {
	root, err := apidoc.ModuleRoot()
	if err != nil {
		return err
	}
	template, err := os.ReadFile(filepath.Join(root, apidoc.TemplatePath))
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "apidocgen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	doc, err := apidoc.Generate(app, template)
	if err != nil {
		return err
	}
	out := filepath.Join(root, apidoc.DocumentPath)
	if check {
		old, err := os.ReadFile(out)
		if err != nil || !bytes.Equal(old, doc) {
			return fmt.Errorf("%s is stale: run go run ./cmd/apidocgen", apidoc.DocumentPath)
		}
		return nil
	}
	if err := os.WriteFile(out, doc, 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", apidoc.DocumentPath)
	return nil
}
