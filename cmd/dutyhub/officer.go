package main

import (
	"fmt"
	"io"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

// officerCommand sets up village information officers' phone accounts on
// the hub's own machine, for a hub whose townships do not do it from their
// clients: add (the password on stdin), disable (the phone's sessions end
// at once), list.
func officerCommand(db *hub.DB, args []string, stdin io.Reader, stdout io.Writer) error {
	switch {
	case len(args) == 3 && args[0] == "add":
		person, err := app.ParseID(args[2])
		if err != nil {
			return app.Errorf(app.EINVALID, "%s is not a person's id (dutyroom person list shows them)", args[2])
		}
		pw, err := readPassword(stdin, stdout)
		if err != nil {
			return err
		}
		st, err := db.SetOfficer(app.NilID, wire.OfficerAccount{Person: person, Login: args[1], Password: pw})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "officer account %s set up for person %s of village %s; they sign in at https://HUB/report\n", st.Login, st.Person, st.Station)
	case len(args) == 2 && args[0] == "disable":
		if err := db.DisableOfficer(args[1]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "officer account %s disabled; its phone sessions ended\n", args[1])
	case len(args) == 1 && args[0] == "list":
		list, err := db.Officers(app.NilID)
		if err != nil {
			return err
		}
		for _, a := range list {
			state := "active"
			if a.Disabled {
				state = "disabled"
			}
			seen := "-"
			if !a.LastSeen.IsZero() {
				seen = a.LastSeen.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\n", a.Login, a.Person, a.Station, state, seen)
		}
	default:
		return errUsage
	}
	return nil
}
