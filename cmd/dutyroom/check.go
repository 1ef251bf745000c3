package main

import (
	"fmt"
	"path/filepath"

	"dutyroom/app"
	"dutyroom/store"
)

// runCheck runs the store's consistency check on the data file and
// prints what is damaged; the exit code is non-zero if anything is.
func (m *Main) runCheck(args []string) error {
	if len(args) != 0 {
		return errUsage{"check takes no arguments"}
	}
	path := filepath.Join(m.DataDir, store.FileName)
	problems, err := store.CheckDatabase(path)
	if app.ErrorCode(err) == app.ELOCKED {
		return app.Errorf(app.ELOCKED, "%s; close the window to check the file (the window checks each automatic backup it writes)", app.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	if len(problems) == 0 {
		fmt.Fprintf(m.Stdout, "%s is sound\n", path)
		return nil
	}
	for _, p := range problems {
		fmt.Fprintln(m.Stdout, p)
	}
	return app.Errorf(app.ECORRUPT, "%s is damaged (%d problems above); restore a backup: the automatic backups are in %s (dutyroom backups lists them; dutyroom restore FILE)",
		path, len(problems), store.BackupsDir(m.DataDir))
}

// runBackups lists the automatic backups, newest first.
func (m *Main) runBackups(args []string) error {
	if len(args) != 0 {
		return errUsage{"backups takes no arguments"}
	}
	list, err := store.ListBackups(m.DataDir)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintf(m.Stdout, "no automatic backups in %s yet\n", store.BackupsDir(m.DataDir))
		return nil
	}
	tw := newTable(m.Stdout)
	fmt.Fprintln(tw, "TAKEN\tWHY\tBYTES\tFILE")
	for _, b := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", b.Time.Format("2006-01-02 15:04:05"), b.Reason, b.Size, b.Path)
	}
	return tw.Flush()
}
