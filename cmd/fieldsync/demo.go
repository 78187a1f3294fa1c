package main

import (
	"fmt"

	"github.com/pocketbase/pocketbase"
	"github.com/spf13/cobra"

	"github.com/haidian/fieldsync/internal/demo"
)

// demoCommand loads the demo accounts and records. It is idempotent: a second run changes
// nothing.
func demoCommand(pb *pocketbase.PocketBase) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Load demo accounts (one per role) and records across the four programmes",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := pb.RunAllMigrations(); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			report, err := demo.Load(pb)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), report)
			return nil
		},
	}
}
