// Command dutyroom is the duty-room desktop client. With no command it opens
// the window; with a command it works headless on the same data folder, for
// scripts and administrators.
package main

import (
	"fmt"
	"os"
)

func main() {
	m := NewMain(os.Stdout, os.Stderr)
	code := m.Run(os.Args[1:])
	os.Exit(code)
}

// usage is printed for -h and for an unknown command.
const usage = `usage: dutyroom [-data DIR] [-demo] [-serve ADDR] [-as NAME] [command [arguments]]

With no command, dutyroom opens its window on DIR (default: the user's
configuration folder). -demo seeds an empty folder with the demo prefecture.
The window syncs with the hub set in DIR/hub.json (设置 → 联网, or hub
connect). -serve ADDR also runs a hub on ADDR (host:port) with its data in
DIR/hub, logs the window into it and prints the certificate pin that other
duty rooms confirm: a single-machine set-up, or a small hub beside a duty room.
The window backs the data file up by itself into DIR/backups: at every
handover, daily at 03:30 local time, before every upgrade and restore,
keeping 14 (设置 → 备份, or DIR/backup.json: {"daily_at":"03:30","keep":14}).
Each backup is checked after it is written. A damaged data file is reported
with the way back, never written to; dutyroom check looks for damage.
A command's changes are signed by -as NAME (a person of this station, or
their id when two share a name), else by the officer signed in at the desk,
else by the officer on duty now by the roster, else by the station's first
leader (said on stderr). The window
signs with the officer signed in at the desk (到岗签到).

Commands:
  init [--demo [--station CODE [--bare]]]
                                create the data file; --demo seeds the demo prefecture;
                                --station makes it that demo station, with the ids a demo hub shares,
                                its roster and a few days of history (--bare: the tree only)
  backup FILE                   write a consistent, checked copy of the data file to FILE
  restore FILE                  check FILE, then replace the data file with it (the current one
                                goes into DIR/backups first when it is sound)
  backups                       list the automatic backups in DIR/backups, newest first
  check                         check the data file for damage; exit status 1 if any is found
  station list [--json]         list the station tree
  station add --code C --name N --tier T [--parent CODE] [--phone P]
  station export FILE           write the tree for dutyhub station import (- for standard output)
  person list [--station CODE] [--json]
  person add --station CODE --name N [--title T] [--mobile M] [--office O] [--roles leader,officer]
  person remove ID
  desk show                     who is signed in at this desk (到岗签到)
  desk signin NAME|ID           sign a person of this station in at the desk, as 换人 does; written
                                to the duty log, and the commands and the window then sign as them
  roster generate --station CODE --from DATE --to DATE
                                draft the roster, keeping posts set by hand
  roster show --station CODE --month YYYY-MM [--json]
  roster publish --station CODE --month YYYY-MM [--allow-gaps]
  roster export --station CODE --month YYYY-MM --format xlsx|ics|csv -o FILE
  roster import FILE            (export and import: not available yet)
  calendar import FILE          put a holiday schedule in force, all or nothing
  calendar show [--year YYYY]   print a year's holidays and make-up working days
  incident add --category C --place-station CODE [--place TEXT] [--channel phone] [--station CODE]
               [--received TIME] [--occurred TIME] [--title T] [--description T]
               [--reporter NAME] [--reporter-unit U] [--reporter-phone P]
               [--dead N] [--missing N] [--serious N] [--injured N] [--trapped N] [--evacuated N]
               [--loss YUAN] [--attach FILE]...
                                file an incident; prints "saved ID grade G" once it is on disk
  incident list [--json] [--from T] [--to T] [--station CODE] [--category C] [--grade G]
               [--status open|closed] [--overdue] [--q WORDS] [--limit N]
  incident show ID [--json]     the incident with its tasks, reports and timeline
  incident report ID --kind initial|followup|supplementary|final --text T [--dead N ...]
  incident sign TASK|REPORT --by NAME
  incident send TASK            record the report as sent (late when past due)
  incident ack TASK --by NAME   record its receipt
  incident confirm ID --by NAME
  incident override ID --grade G --by NAME --reason TEXT
  incident close ID --reason TEXT
  incident grade [--dead N] [--missing N] [--serious N] [--loss YUAN] [--category C]
                                print the grade the figures give and the rule that decides it
` + instructionUsage + `  hub connect --addr wss://HOST:PORT --user NAME [--pin PIN]
                                log in to the hub (password on standard input) and keep the session;
                                a hub's first pin must be given, as dutyhub pin prints it
  hub status                    the hub, the session, the queue and how far the hub's log was read
  hub disconnect                stop syncing until the next hub connect
  sync [--timeout 1m]           one round with the hub, for scripts: send the queue, take in what is new
  sms list [--event EVENT]... [--json]
                                the SMS the hub sent about this station's line and their states (online)
  officer account PERSON [--login L] | officer revoke PERSON | officer list [--json]
                                village information officers' phone accounts at the hub (online only;
                                password on standard input): dutyroom officer help
  version                       print the version
  message, notice, warning, spotcheck, log, consult
                                the window's other work, for scripts: dutyroom GROUP help

Tiers: prefecture, county, township, village.
Roles: leader, cadre, officer, standby, info_officer.
Dates are YYYY-MM-DD; incident times are RFC 3339 or "YYYY-MM-DD HH:MM" in the station's zone.
Grades: general, large, major, especially_major. The calendar file format is in docs/calendar-format.md.
`

func printUsage() {
	fmt.Fprint(os.Stderr, usage)
}
