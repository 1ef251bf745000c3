package main

import (
	"errors"

	"dutyroom/app/syncer"
	"dutyroom/app/villagereport"
)

// officerAccounts reaches the hub's officer accounts through the sync
// client's connection.
func officerAccounts(c *syncer.Client) villagereport.Accounts {
	return villagereport.HubAccounts{Request: c.Request, Offline: func(err error) bool { return errors.Is(err, syncer.ErrOffline) }}
}
