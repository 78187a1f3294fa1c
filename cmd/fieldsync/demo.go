package main

import (
	"fmt"

	"github.com/pocketbase/pocketbase"
	"github.com/spf13/cobra"

	"github.com/haidian/fieldsync/internal/demo"
)

// demoCommand loads the demo accounts and records and prints the report: the accounts with
// their password and, per collection, how many records it created and found present. It is
// idempotent: a second run changes nothing and reports "Total: created 0, ...".
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
				return fmt.Errorf("load demo data: %w", err)
			}
			fmt.Fprint(cmd.OutOrStdout(), report)
			return nil
		},
	}
}
