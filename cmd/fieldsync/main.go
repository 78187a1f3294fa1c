// Command fieldsync runs the fieldsync server: PocketBase with fieldsync's schema, rules,
// sync protocol and routes, on embedded SQLite in ./pb_data unless told otherwise.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/jsvm"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/cityview"
	"github.com/haidian/fieldsync/internal/litestream"
	"github.com/haidian/fieldsync/internal/ops"
	"github.com/haidian/fieldsync/internal/sqlite"
)

// exitConfig is the exit status of a start refused for something the operator must fix
// (sysexits' EX_CONFIG): the systemd unit in docs/deploy does not restart on it.
const exitConfig = 78

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fieldsync:", err)
		var se *ops.StartupError
		if errors.As(err, &se) && se.Fixable {
			os.Exit(exitConfig)
		}
		os.Exit(1)
	}
}

func run() error {
	// Listing the settings must work while one of them is bad, which stops every other command.
	if len(os.Args) > 1 && os.Args[1] == "config" {
		return printConfig(os.Stdout)
	}
	cfg, err := readSettings()
	if err != nil {
		return err
	}
	pb := pocketbase.NewWithConfig(pocketbase.Config{DBConnect: sqlite.DBConnect(cfg.Synchronous),
		DataMaxOpenConns: cfg.DBReaders, DataMaxIdleConns: cfg.DBReaders})
	pb.RootCmd.Version = version
	pb.RootCmd.SetVersionTemplate(versionText())
	// PocketBase prints a failed command's error itself; main prints it once, with its hint.
	pb.RootCmd.SilenceErrors = true

	var hooksDir string
	pb.RootCmd.PersistentFlags().StringVar(&hooksDir, "hooksDir", "pb_hooks",
		"the directory with the optional JS hooks of local policy")

	// Flags must be parsed before the plugins read them.
	_ = pb.RootCmd.ParseFlags(os.Args[1:])
	// Before the JS plugin reads beside the data dir and PocketBase opens its databases
	// there: their errors (a panic, "unable to open database file") say nothing useful.
	if !onlyInfo(os.Args[1:]) {
		if err := ops.CheckDataDir(pb.DataDir()); err != nil {
			return err
		}
	}

	// A small pool of prewarmed JS runtimes: without one every hook call builds a runtime.
	jsvm.MustRegister(pb, jsvm.Config{HooksDir: hooksDir, HooksWatch: false, HooksPoolSize: 8, OnInit: app.BindJS})
	// The schema is Go code in pb_migrations; automigrate stays off so that admin UI edits
	// never write migration files behind the team's back.
	migratecmd.MustRegister(pb, pb.RootCmd, migratecmd.Config{
		TemplateLang: migratecmd.TemplateLangGo,
		Automigrate:  false,
		Dir:          "pb_migrations",
	})

	svc := app.BindWith(pb, app.Options{Settings: cfg})
	if cfg.LitestreamSocket != "" {
		dataDir, err := filepath.Abs(pb.DataDir())
		if err != nil {
			return err
		}
		litestream.Register(svc, litestream.Config{Socket: cfg.LitestreamSocket, DB: filepath.Join(dataDir, "data.db")})
	}
	// Here and not in app.BindWith: only the server has the operator's token; tests bind it
	// with theirs.
	cityview.Register(pb, cityview.Config{Token: cfg.CityToken})
	// After the migrations, before the server listens.
	pb.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if err := ops.CheckServe(se.App); err != nil {
			return err
		}
		return se.Next()
	})
	pb.RootCmd.AddCommand(demoCommand(pb), configCommand())
	return pb.Start()
}

// onlyInfo reports whether args only ask for help or the version, which need no data dir.
func onlyInfo(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "--help", "help", "-v", "--version":
			return true
		}
	}
	return false
}
