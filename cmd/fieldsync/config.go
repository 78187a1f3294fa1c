package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/haidian/fieldsync/internal/config"
	"github.com/haidian/fieldsync/internal/ops"
)

// readSettings reads every FIELDSYNC_ variable once, at start; a bad one refuses the start
// (exit 78) with every bad one named.
func readSettings() (config.Config, error) {
	cfg, err := config.FromEnv()
	return cfg, settingsError(err)
}

func settingsError(err error) error {
	if err == nil {
		return nil
	}
	return &ops.StartupError{Check: "settings", Err: err, Fixable: true,
		Hint: "fix the environment variables named above (README: Configuration)"}
}

// printConfig lists every setting with the value the server would run with and where it
// comes from, then fails as a start would: the error names every bad one.
func printConfig(w io.Writer) error {
	entries, err := config.List(os.LookupEnv)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tSOURCE\tMEANING")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, e.Value, e.Source, e.Meaning)
	}
	if ferr := tw.Flush(); ferr != nil {
		return ferr
	}
	return settingsError(err)
}

// configCommand is `fieldsync config`, listed by --help. (main runs it before reading the
// settings, so that it works while one of them is bad.)
func configCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "List every FIELDSYNC_ setting with its value and source, and check them",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return printConfig(cmd.OutOrStdout())
		},
	}
}
