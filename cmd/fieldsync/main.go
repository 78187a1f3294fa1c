// Command fieldsync runs the fieldsync server: PocketBase with fieldsync's schema, rules,
// sync protocol and routes, on embedded SQLite in ./pb_data unless told otherwise.
package main

import (
	"log"
	"os"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/plugins/jsvm"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/sqlite"
	"github.com/haidian/fieldsync/internal/sync"
)

func main() {
	durability, err := sqlite.SynchronousFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	readers, err := sqlite.ReadersFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	pb := pocketbase.NewWithConfig(pocketbase.Config{DBConnect: sqlite.DBConnect(durability),
		DataMaxOpenConns: readers, DataMaxIdleConns: readers})

	var hooksDir string
	pb.RootCmd.PersistentFlags().StringVar(&hooksDir, "hooksDir", "pb_hooks",
		"the directory with the optional JS hooks of local policy")

	// Flags must be parsed before the plugins read them.
	_ = pb.RootCmd.ParseFlags(os.Args[1:])

	// A small pool of prewarmed JS runtimes: without one every hook call builds a runtime.
	jsvm.MustRegister(pb, jsvm.Config{HooksDir: hooksDir, HooksWatch: false, HooksPoolSize: 8, OnInit: app.BindJS})
	// The schema is Go code in pb_migrations; automigrate stays off so that admin UI edits
	// never write migration files behind the team's back.
	migratecmd.MustRegister(pb, pb.RootCmd, migratecmd.Config{
		TemplateLang: migratecmd.TemplateLangGo,
		Automigrate:  false,
		Dir:          "pb_migrations",
	})

	syncCfg, err := sync.ConfigFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	app.BindWith(pb, syncCfg)
	pb.RootCmd.AddCommand(demoCommand(pb))

	if err := pb.Start(); err != nil {
		log.Fatal(err)
	}
}
