package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/haidian/fieldsync/mobile-api/client"
)

// A phone app's life: open the store once, edit offline, sync when the network allows, and
// show the inspector what the server could not apply as sent.
func Example() {
	ctx := context.Background()
	c, err := client.Open(ctx, "fieldsync.db", client.Config{
		BaseURL:    "https://fieldsync.example.org",
		TokenFunc:  func(context.Context) (string, error) { return "<PocketBase user token>", nil },
		AppVersion: "2.3.0",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	// Offline: the edits apply to the local copy at once and wait in the outbox.
	id, err := c.Create(ctx, "findings", map[string]any{
		"programme": "fire", "place": "<place id>", "subdistrict": "<subdistrict id>",
		"category": "fire.wiring", "severity": "general", "description": "楼道私拉电线",
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Patch(ctx, "findings", id, map[string]any{"responsible_party": "房东"}); err != nil {
		log.Fatal(err)
	}

	// Online: push, then pull. Any error can simply be retried later.
	_, pulled, err := c.Sync(ctx)
	switch {
	case errors.Is(err, client.ErrRevoked):
		log.Fatal("this phone was revoked; ask the administrator")
	case errors.Is(err, client.ErrSchemaMismatch):
		log.Fatal("update the app before syncing")
	case err != nil:
		log.Print("sync later: ", err)
	}
	if len(pulled.Healed) > 0 {
		log.Print("repaired the local copy of ", pulled.Healed)
	}
	issues, err := c.Issues(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, is := range issues {
		fmt.Println(is.Result.Outcome, is.Coll, is.ID, is.Result.Message, is.Data)
	}
}
